// Dak's template logic: what a Meta template asks of a sender, and turning a send's
// `variables` into Meta's send components. Pure functions; the API, worker and meta-sim share them.

export type * from './meta-template';
export type * from './meta-send-components';
export type { TemplateVariableError } from './errors';
export {
  sendVariableSchema,
  sendVariablesSchema,
  parseSendVariables,
  NAMED_PARAMETER_PATTERN,
  type SendVariable,
  type SendVariableInput,
  type HeaderVariable,
  type BodyVariable,
  type ButtonVariable,
  type BodyValue,
  type HeaderMedia,
  type HeaderLocation,
} from './send-variables';
export { buildTemplateComponents, type BuildTemplateComponentsResult } from './build-components';
export { describeTemplate, SAMPLE_LOCATION, type TemplateDescription } from './describe-template';
export {
  templateShape,
  type TemplateShape,
  type HeaderDescription,
  type BodyDescription,
  type ButtonDescription,
  type ButtonInput,
  type ButtonSubType,
  type PlaceholderDescription,
  type MediaType,
} from './template-shape';
export { extractPlaceholders, hydrate } from './placeholders';
export * from './limits';
