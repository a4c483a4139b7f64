import type { z } from 'zod';
import {
  businessPatchSchema,
  customerMediaSchema,
  businessSchema,
  faultSchema,
  inboundSchema,
  limitsSchema,
  phoneNumberPatchSchema,
  serviceWindowSchema,
  specialRecipientSchema,
  templateReviewSchema,
  templateSchema,
  templateStatusSchema,
  throughputUpgradeSchema,
  webhookConfigSchema,
} from './control-schemas';
import type { StoredFault } from './faults';
import type { MessagingLimitTier } from './messaging-limit';
import type { InboundRecord, SimMessage } from './message-lifecycle';
import type { NumberSends } from './send-log';
import type { RecordedRequest, SimCore } from './sim-core';
import type { Business } from './store';
import type { BusinessSeed, MetaTemplate, SpecialRecipientRule, WebhookSettings } from './types';
import type { WebhookDelivery } from './webhook-dispatcher';
import { verifySubscription, type VerifyResult } from './verify-subscription';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface RequestFilter {
  route?: RecordedRequest['route'];
  phoneNumberId?: string;
  wabaId?: string;
  method?: string;
}

export interface WebhookFilter {
  wamid?: string;
  status?: string;
  field?: string;
  state?: WebhookDelivery['state'];
}

/** A recorded webhook delivery with its body parsed back, for assertions. */
export type WebhookRecord = WebhookDelivery & { payload: unknown };

export interface PhoneNumberView {
  phone_number_id: string;
  display_phone_number: string;
  waba_id: string;
  mps: number;
  /** Most sends accepted in any trailing 1 s window before 130429. */
  capacity: number;
  sent_last_second: number;
  pair_rate_limit: { burst: number; intervalMs: number };
  registered: boolean;
  maintenance_until: string | null;
}

export interface BusinessView {
  waba_id: string;
  name: string;
  messaging_limit_tier: MessagingLimitTier;
  /** Unique users reached outside a customer-service window in the last 24 h. */
  reached_last_24h: number;
}

/**
 * Every control operation, callable in-process (tests) and behind `/_sim` (other processes).
 * Inputs are checked with the same schemas either way.
 */
export class SimControl {
  constructor(private readonly core: SimCore) {}

  addBusiness(seed: z.input<typeof businessSchema>): { waba_id: string } {
    const parsed = businessSchema.parse(seed) as BusinessSeed;
    this.core.store.upsertBusiness(parsed, () => this.core.ids.objectId());
    return { waba_id: parsed.waba_id };
  }

  businesses(): (BusinessView & { phone_numbers: PhoneNumberView[]; templates: MetaTemplate[] })[] {
    return [...this.core.store.businesses.values()].map((business) => ({
      ...this.businessView(business),
      phone_numbers: [...business.phoneNumberIds].map((id) => this.phoneNumber(id)),
      templates: this.core.store.templatesOf(business.wabaId),
    }));
  }

  /** Sets the portfolio's messaging limit; whom it reached in the last 24 h still counts. */
  updateBusiness(wabaId: string, input: z.input<typeof businessPatchSchema>): BusinessView {
    const patch = businessPatchSchema.parse(input);
    const business = this.core.store.businesses.get(wabaId);
    if (!business) throw new ControlError(404, `unknown WABA ${wabaId}`);
    business.reach.tier = patch.messaging_limit_tier;
    return this.businessView(business);
  }

  private businessView(business: Business): BusinessView {
    return {
      waba_id: business.wabaId,
      name: business.name,
      messaging_limit_tier: business.reach.tier,
      reached_last_24h: business.reach.reached(Date.now()),
    };
  }

  /** Adds or replaces a template; a status change on an existing one sends `message_template_status_update`. */
  upsertTemplate(wabaId: string, input: z.input<typeof templateSchema>): MetaTemplate {
    if (!this.core.store.businesses.has(wabaId)) throw new ControlError(404, `unknown WABA ${wabaId}`);
    const parsed = templateSchema.parse(input) as MetaTemplate;
    const byKey = this.core.store.findTemplate(wabaId, parsed.name, parsed.language);
    const id = parsed.id ?? byKey?.id ?? this.core.ids.objectId();
    const { template, previous } = this.core.store.upsertTemplate(wabaId, { ...parsed, id });
    if (previous && previous.status !== template.status) {
      const status = template.status;
      template.status = previous.status;
      return this.core.templates.setStatus(id, status);
    }
    return template;
  }

  setTemplateStatus(templateId: string, input: z.input<typeof templateStatusSchema>): MetaTemplate {
    const parsed = templateStatusSchema.parse(input);
    if (!this.core.store.templates.has(templateId)) throw new ControlError(404, `unknown template ${templateId}`);
    return this.core.templates.setStatus(templateId, parsed.status, parsed.reason);
  }

  configureTemplateReview(input: z.input<typeof templateReviewSchema>): typeof this.core.templates.review {
    Object.assign(this.core.templates.review, stripUndefined(templateReviewSchema.parse(input)));
    return { ...this.core.templates.review };
  }

  phoneNumber(id: string): PhoneNumberView {
    const number = this.core.store.phoneNumbers.get(id);
    if (!number) throw new ControlError(404, `unknown phone number ${id}`);
    const now = Date.now();
    return {
      phone_number_id: number.id,
      display_phone_number: number.display,
      waba_id: number.wabaId,
      mps: number.throughput.mps,
      capacity: number.throughput.capacity,
      sent_last_second: number.throughput.inWindow(now),
      pair_rate_limit: number.pairLimit ?? this.core.pairs.settings,
      registered: number.registered,
      maintenance_until: number.maintenanceUntil > now ? new Date(number.maintenanceUntil).toISOString() : null,
    };
  }

  /** Per-number mps, pair limit (null = back to the default) and registration. */
  updatePhoneNumber(id: string, input: z.input<typeof phoneNumberPatchSchema>): PhoneNumberView {
    const patch = phoneNumberPatchSchema.parse(input);
    const number = this.core.store.phoneNumbers.get(id);
    if (!number) throw new ControlError(404, `unknown phone number ${id}`);
    if (patch.mps !== undefined) this.core.store.setMps(number, patch.mps);
    if (patch.pairRateLimit !== undefined) number.pairLimit = patch.pairRateLimit ?? undefined;
    if (patch.registered !== undefined) number.registered = patch.registered;
    return this.phoneNumber(id);
  }

  /**
   * When each of the number's sends was accepted (epoch ms, the last 100,000) and how many were
   * refused, by Meta error code: its pacing as Meta sees it. Injected faults are not counted.
   */
  sends(id: string): NumberSends {
    if (!this.core.store.phoneNumbers.has(id)) throw new ControlError(404, `unknown phone number ${id}`);
    return this.core.sends.of(id);
  }

  clearSends(id: string): void {
    if (!this.core.store.phoneNumbers.has(id)) throw new ControlError(404, `unknown phone number ${id}`);
    this.core.sends.clear(id);
  }

  /** Sends answer 131057 for `durationMs`, then the number runs at `mps`, as during Meta's upgrade. */
  startThroughputUpgrade(id: string, input: z.input<typeof throughputUpgradeSchema> = {}): PhoneNumberView {
    const { mps, durationMs } = throughputUpgradeSchema.parse(input);
    const number = this.core.store.phoneNumbers.get(id);
    if (!number) throw new ControlError(404, `unknown phone number ${id}`);
    number.maintenanceUntil = Date.now() + durationMs;
    this.core.scheduler.after(durationMs, () => {
      const current = this.core.store.phoneNumbers.get(id);
      if (current) this.core.store.setMps(current, mps);
    });
    return this.phoneNumber(id);
  }

  configureLimits(input: z.input<typeof limitsSchema>): {
    defaultMps: number;
    throughputTolerance: number;
    pairRateLimit: { burst: number; intervalMs: number };
  } {
    const parsed = limitsSchema.parse(input);
    const current = this.core.store.throughputDefaults;
    if (parsed.defaultMps !== undefined || parsed.throughputTolerance !== undefined) {
      this.core.store.setThroughputDefaults(
        parsed.defaultMps ?? current.mps,
        parsed.throughputTolerance ?? current.tolerance,
      );
    }
    if (parsed.pairRateLimit) this.core.pairs.configure(parsed.pairRateLimit);
    const now = this.core.store.throughputDefaults;
    return { defaultMps: now.mps, throughputTolerance: now.tolerance, pairRateLimit: this.core.pairs.settings };
  }

  addSpecialRecipient(input: z.input<typeof specialRecipientSchema>): SpecialRecipientRule & { id: string } {
    const parsed = specialRecipientSchema.parse(input);
    const rule = { ...stripUndefined(parsed), id: parsed.id ?? this.core.ids.local('rcp') } as SpecialRecipientRule & {
      id: string;
    };
    this.core.special.add(rule);
    return rule;
  }

  specialRecipients(): SpecialRecipientRule[] {
    return this.core.special.list();
  }

  removeSpecialRecipient(id: string): boolean {
    return this.core.special.remove(id);
  }

  clearSpecialRecipients(): void {
    this.core.special.clear();
  }

  addFault(input: z.input<typeof faultSchema>): StoredFault {
    const parsed = faultSchema.parse(input);
    return this.core.faults.add({ ...stripUndefined(parsed), id: parsed.id ?? this.core.ids.local('flt') });
  }

  faults(): StoredFault[] {
    return this.core.faults.list();
  }

  removeFault(id: string): boolean {
    return this.core.faults.remove(id);
  }

  clearFaults(): void {
    this.core.faults.clear();
  }

  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.core.requests
      .toArray()
      .filter(
        (r) =>
          (filter.route === undefined || r.route === filter.route) &&
          (filter.phoneNumberId === undefined || r.phone_number_id === filter.phoneNumberId) &&
          (filter.wabaId === undefined || r.waba_id === filter.wabaId) &&
          (filter.method === undefined || r.method === filter.method.toUpperCase()),
      );
  }

  clearRequests(): void {
    this.core.requests.clear();
  }

  webhooks(filter: WebhookFilter = {}): WebhookRecord[] {
    return this.core.dispatcher.log
      .toArray()
      .filter(
        (d) =>
          (filter.state === undefined || d.state === filter.state) &&
          (filter.field === undefined || d.fields.includes(filter.field as never)) &&
          (filter.wamid === undefined || d.statuses.some((s) => s.id === filter.wamid)) &&
          (filter.status === undefined || d.statuses.some((s) => s.status === filter.status)),
      )
      .map((d) => ({ ...d, attempts: [...d.attempts], payload: JSON.parse(d.body) as unknown }));
  }

  messages(filter: { phoneNumberId?: string; waId?: string } = {}): SimMessage[] {
    return this.core.lifecycle
      .list()
      .filter(
        (m) =>
          (filter.phoneNumberId === undefined || m.phone_number_id === filter.phoneNumberId) &&
          (filter.waId === undefined || m.wa_id === filter.waId),
      );
  }

  /** The users' messages the simulator sent to businesses, each with when a read receipt named it. */
  inboundMessages(filter: { phoneNumberId?: string; from?: string } = {}): InboundRecord[] {
    return this.core.lifecycle
      .inboundList()
      .filter(
        (m) =>
          (filter.phoneNumberId === undefined || m.phone_number_id === filter.phoneNumberId) &&
          (filter.from === undefined || m.from === filter.from),
      )
      .map((m) => ({ ...m }));
  }

  webhookConfig(): WebhookSettings {
    return { ...this.core.webhook, delaysMs: { ...this.core.webhook.delaysMs } };
  }

  /** Changes webhook behaviour at run time; `url: null` stops sending (updates are still recorded). */
  configureWebhooks(input: z.input<typeof webhookConfigSchema>): WebhookSettings {
    const { delaysMs, url, ...rest } = webhookConfigSchema.parse(input);
    Object.assign(this.core.webhook, stripUndefined(rest));
    if (url !== undefined) this.core.webhook.url = url ?? undefined;
    if (delaysMs) Object.assign(this.core.webhook.delaysMs, stripUndefined(delaysMs));
    return this.webhookConfig();
  }

  /** A simulated user writes (text) or taps a quick reply (button); opens the service window. */
  inbound(input: z.input<typeof inboundSchema>): { id: string } {
    const parsed = inboundSchema.parse(input);
    if (!this.core.store.phoneNumbers.has(parsed.phone_number_id)) {
      throw new ControlError(404, `unknown phone number ${parsed.phone_number_id}`);
    }
    return this.core.lifecycle.inbound(stripUndefined(parsed));
  }

  /**
   * Media as a customer's message carries it: stored under a new Graph id that the number's
   * business may fetch (GET /{media_id}, then the URL), as Meta keeps inbound media.
   */
  customerMedia(input: z.input<typeof customerMediaSchema>): { id: string; sha256: string } {
    const parsed = customerMediaSchema.parse(input);
    const number = this.core.store.phoneNumbers.get(parsed.phone_number_id);
    if (!number) throw new ControlError(404, `unknown phone number ${parsed.phone_number_id}`);
    const stored = this.core.media.add({
      id: this.core.ids.objectId(),
      wabaId: number.wabaId,
      phoneNumberId: number.id,
      mimeType: parsed.mime_type,
      bytes: Buffer.from(parsed.data_base64, 'base64'),
    });
    return { id: stored.id, sha256: stored.sha256 };
  }

  openServiceWindow(input: z.input<typeof serviceWindowSchema>): void {
    const parsed = serviceWindowSchema.parse(input);
    if (parsed.entry_point) this.core.lifecycle.openEntryPointWindow(parsed.phone_number_id, parsed.wa_id);
    else this.core.lifecycle.openWindow(parsed.phone_number_id, parsed.wa_id);
  }

  /** Runs Meta's subscription handshake against the webhook URL. */
  verifyWebhook(): Promise<VerifyResult> {
    const url = this.core.webhook.url;
    if (!url) throw new ControlError(409, 'no webhook URL is configured');
    // Meta's challenge is a number.
    return verifySubscription(url, this.core.options.verifyToken ?? '', this.core.random.chars(10, '0123456789'));
  }

  /** Resolves once every planned status has been sent and every delivery has settled. */
  async drain(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.core.scheduler.size > 0 || !this.core.dispatcher.idle) {
      if (Date.now() > deadline) throw new ControlError(504, `still busy after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Back to the start options: businesses, rules, faults, settings, logs and the random seed. */
  reset(): void {
    this.core.reset();
  }
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
