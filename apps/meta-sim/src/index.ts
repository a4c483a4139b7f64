export { startMetaSim, type RunningMetaSim } from './sim';
export type {
  BusinessSeed,
  FaultKind,
  FaultRoute,
  FaultRule,
  MetaSimOptions,
  MetaTemplate,
  PairRateLimit,
  PhoneNumberSeed,
  RecipientBehaviour,
  SpecialRecipientRule,
  TemplateButton,
  TemplateCategory,
  TemplateComponent,
  TemplateStatus,
  WebhookDelaysMs,
  WebhookSettings,
} from './types';
export {
  SimControl,
  ControlError,
  type PhoneNumberView,
  type RequestFilter,
  type WebhookFilter,
  type WebhookRecord,
} from './control';
export type { RecordedRequest } from './sim-core';
export type { SimMessage } from './message-lifecycle';
export type { NumberSends } from './send-log';
export type { WebhookDelivery } from './webhook-dispatcher';
export type { StoredFault } from './faults';
export { metaJson, signatureHeader } from './signing';
export { MetaApiError, metaErrorBody } from './meta-errors';
export { optionsFromConfig, loadSeedFile } from './options-from-config';
export { createSimLogger } from './logger';
