import { MESSAGING_LIMIT_CODE, MetaApiError } from './meta-errors';
import type { MessageLifecycle, Pricing } from './message-lifecycle';
import type { PairLimiter } from './rate-limits';
import type { IdFactory } from './random';
import type { SendLog } from './send-log';
import type { SpecialRecipients } from './special-recipients';
import type { PhoneNumber, SimStore } from './store';
import { checkTemplateParameters } from './template-check';
import type { MetaTemplate } from './types';

type Json = Record<string, unknown>;

export const TEXT_BODY_LIMIT = 4_096;
const OPAQUE_LIMIT = 512;
/** Non-template types accepted inside a customer-service window (their payload object is required). */
const SESSION_TYPES = new Set([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'reaction',
]);

export interface SendSuccess {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id?: string; user_id?: string }[];
  messages: { id: string; message_status?: 'accepted' }[];
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resolves the bearer token to the phone number it may send from, the way Graph answers. */
export function authorizeNumber(store: SimStore, phoneNumberId: string, token: string | undefined): PhoneNumber {
  const tokenWaba = token ? store.wabaForToken(token) : undefined;
  if (!tokenWaba) {
    throw new MetaApiError(
      190,
      token ? 'Invalid OAuth access token - Cannot parse access token' : 'An access token is required',
    );
  }
  const number = store.phoneNumbers.get(phoneNumberId);
  if (!number) {
    throw new MetaApiError(
      100,
      `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
      { subcode: 33 },
    );
  }
  if (number.wabaId !== tokenWaba) {
    throw new MetaApiError(190, `The access token is not valid for phone number ${phoneNumberId}`);
  }
  return number;
}

/** `POST /{phone_number_id}/messages`: Meta's checks in Meta's order, then acceptance. */
export class MessageService {
  constructor(
    private readonly store: SimStore,
    private readonly lifecycle: MessageLifecycle,
    private readonly pairs: PairLimiter,
    private readonly special: SpecialRecipients,
    private readonly ids: IdFactory,
    private readonly log: SendLog,
  ) {}

  /**
   * A read receipt (`{"messaging_product": "whatsapp", "status": "read", "message_id": wamid}`):
   * the user's message and their earlier ones to this number are marked read; Meta answers
   * `{"success": true}`. A wamid that is not a user's message to this number is Meta's 100.
   * Not a message: it is not counted against throughput or the send log.
   */
  markRead(number: PhoneNumber, body: Json, now: number = Date.now()): { success: true } {
    if (body.messaging_product !== 'whatsapp') {
      throw new MetaApiError(100, 'The parameter messaging_product is required and must be "whatsapp"');
    }
    if (body.status !== 'read') throw new MetaApiError(100, 'Invalid parameter: status must be "read"');
    const wamid = body.message_id;
    if (typeof wamid !== 'string' || wamid === '') throw new MetaApiError(100, 'The parameter message_id is required.');
    const target = this.lifecycle.inboundMessage(wamid);
    if (!target || target.phone_number_id !== number.id) {
      throw new MetaApiError(100, `Invalid parameter: message_id ${wamid} is not a message received by this number`);
    }
    const readAt = new Date(now).toISOString();
    for (const record of this.lifecycle.inboundList()) {
      if (
        record.phone_number_id === number.id &&
        record.from === target.from &&
        record.received_at <= target.received_at
      )
        record.read_at ??= readAt;
    }
    return { success: true };
  }

  /** Accepts the send or throws Meta's error; either way the number's send log records the outcome. */
  send(number: PhoneNumber, body: unknown, now: number = Date.now()): SendSuccess {
    try {
      const success = this.accept(number, body, now);
      this.log.accepted(number.id, now);
      return success;
    } catch (error) {
      if (error instanceof MetaApiError) this.log.refused(number.id, error.code);
      throw error;
    }
  }

  private accept(number: PhoneNumber, body: unknown, now: number): SendSuccess {
    if (!number.registered) throw new MetaApiError(133010, `phone number ${number.id} is not registered`);
    if (now < number.maintenanceUntil) {
      throw new MetaApiError(
        131057,
        'The phone number is in maintenance mode while its throughput is upgraded; try again shortly',
      );
    }
    if (!isObject(body)) throw new MetaApiError(100, 'The request body must be a JSON object');
    if (body.messaging_product !== 'whatsapp') {
      throw new MetaApiError(100, 'The parameter messaging_product is required and must be "whatsapp"');
    }
    if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
      throw new MetaApiError(100, 'recipient_type must be "individual"');
    }
    const user = this.addressee(body);
    const waId = user.key;
    if (user.phone === number.display) throw new MetaApiError(131021, 'The recipient is the sending phone number');
    const opaque = body.biz_opaque_callback_data;
    if (opaque !== undefined && (typeof opaque !== 'string' || opaque.length > OPAQUE_LIMIT)) {
      throw new MetaApiError(100, `biz_opaque_callback_data must be a string of at most ${OPAQUE_LIMIT} characters`);
    }
    const type = body.type === undefined ? 'text' : body.type;
    if (typeof type !== 'string') throw new MetaApiError(100, 'type must be a string');

    const windowOpen = this.lifecycle.windowOpen(number.id, waId, now);
    const conversation = this.lifecycle.entryPointConversation(number.id, waId, now);
    let template: MetaTemplate | undefined;
    let pricing: Pricing;
    if (type === 'template') {
      template = this.checkTemplate(number, body.template);
      const category = template.category.toLowerCase();
      // Inside a free-entry window every message is free; inside a service window, utility ones.
      const free = conversation ? 'free_entry_point' : windowOpen && category === 'utility' && 'free_customer_service';
      pricing = { billable: !free, pricing_model: 'PMP', category, type: free || 'regular' };
    } else if (SESSION_TYPES.has(type)) {
      checkSessionMessage(type, body);
      if (!windowOpen) {
        throw new MetaApiError(
          131047,
          'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
        );
      }
      pricing = {
        billable: false,
        pricing_model: 'PMP',
        category: 'service',
        type: conversation ? 'free_entry_point' : 'free_customer_service',
      };
    } else {
      throw new MetaApiError(100, `Invalid parameter: type ${JSON.stringify(type)} is not supported`);
    }

    const business = this.store.businesses.get(number.wabaId);
    // Only business-initiated messages count: a user inside their customer-service window is free.
    const countsForLimit = !windowOpen && business !== undefined;
    if (countsForLimit && !business.reach.allows(waId, now)) {
      throw new MetaApiError(
        MESSAGING_LIMIT_CODE,
        `Message failed to send because the business portfolio reached its messaging limit of ${business.reach.limit} unique users in 24 hours (${business.reach.tier}).`,
      );
    }
    if (!number.throughput.canAccept(now)) {
      throw new MetaApiError(
        130429,
        `Message failed to send because there were too many messages sent from this phone number in a short period of time (limit ${number.throughput.mps}/s).`,
      );
    }
    if (!this.pairs.tryAcquire(`${number.id}:${waId}`, now, number.pairLimit)) {
      throw new MetaApiError(
        131056,
        'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
      );
    }
    number.throughput.record(now);
    if (countsForLimit) business.reach.record(waId, now);

    const id = this.ids.wamid(waId);
    const rule = this.special.match(waId, template ? template.category : 'service');
    this.lifecycle.accept({
      number,
      pricing,
      ...(conversation ? { conversation } : {}),
      rule,
      ...quickReplyOf(template),
      message: {
        id,
        phone_number_id: number.id,
        to: user.input,
        wa_id: waId,
        ...(user.userId ? { user_id: user.userId } : {}),
        ...(user.phone ? { phone: user.phone } : {}),
        type,
        ...(template
          ? { template: { name: template.name, language: template.language, category: template.category } }
          : {}),
        ...(opaque === undefined ? {} : { biz_opaque_callback_data: opaque }),
        accepted_at: new Date(now).toISOString(),
        behaviour: rule?.behaviour ?? 'normal',
        statuses: [],
      },
    });
    return {
      messaging_product: 'whatsapp',
      contacts: [
        {
          input: user.input,
          ...(user.phone ? { wa_id: user.phone } : {}),
          ...(user.userId ? { user_id: user.userId } : {}),
        },
      ],
      messages: [template ? { id, message_status: 'accepted' } : { id }],
    };
  }

  /**
   * Whom the send names: `to`, a phone number, or (2026) `recipient`, a business-scoped user id
   * for a user known only by it. With both, `to` wins. The user's key (windows, limits, pairs)
   * is their number when the simulator knows it, so a user id of a user who wrote with their
   * number reaches the same user.
   */
  private addressee(body: Json): { input: string; key: string; phone?: string; userId?: string } {
    const { to, recipient } = body;
    if (to !== undefined || recipient === undefined) {
      if (typeof to !== 'string' || to.trim() === '') {
        throw new MetaApiError(100, 'The parameter to (or recipient, a business-scoped user id) is required.');
      }
      const phone = to.replace(/[\s()+\-.]/g, '');
      if (!/^\d{7,15}$/.test(phone))
        throw new MetaApiError(100, `Invalid parameter: to (${to}) is not a valid phone number`);
      return { input: to, key: phone, phone };
    }
    if (typeof recipient !== 'string' || !/^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/.test(recipient)) {
      throw new MetaApiError(
        100,
        `Invalid parameter: recipient (${String(recipient)}) is not a business-scoped user id such as US.13491208655302741918`,
      );
    }
    const phone = this.lifecycle.phoneOfUser(recipient);
    return { input: recipient, key: phone ?? recipient, userId: recipient, ...(phone ? { phone } : {}) };
  }

  private checkTemplate(number: PhoneNumber, raw: unknown): MetaTemplate {
    if (!isObject(raw)) throw new MetaApiError(131008, 'The parameter template is required for type template');
    const name = raw.name;
    const language = isObject(raw.language) ? raw.language.code : undefined;
    if (typeof name !== 'string' || name === '') throw new MetaApiError(131008, 'template.name is required');
    if (typeof language !== 'string' || language === '')
      throw new MetaApiError(131008, 'template.language.code is required');
    const template = this.store.findTemplate(number.wabaId, name, language);
    if (!template) throw new MetaApiError(132001, `template name (${name}) does not exist in ${language}`);
    if (template.status === 'PAUSED') throw new MetaApiError(132015, `template (${name}) is paused`);
    if (template.status === 'DISABLED') throw new MetaApiError(132016, `template (${name}) is disabled`);
    if (template.status !== 'APPROVED') {
      throw new MetaApiError(132001, `template name (${name}) in ${language} is ${template.status}, not APPROVED`);
    }
    checkTemplateParameters(template, raw);
    return template;
  }
}

function checkSessionMessage(type: string, body: Json): void {
  const payload = body[type];
  if (!isObject(payload)) throw new MetaApiError(131008, `The parameter ${type} is required for type ${type}`);
  if (type !== 'text') return;
  if (typeof payload.body !== 'string' || payload.body === '') throw new MetaApiError(131008, 'text.body is required');
  if (payload.body.length > TEXT_BODY_LIMIT) {
    throw new MetaApiError(100, `text.body is ${payload.body.length} characters; the limit is ${TEXT_BODY_LIMIT}`);
  }
}

/** The first quick-reply button of a template, which a replying simulated user taps. */
function quickReplyOf(template: MetaTemplate | undefined): { quickReply?: { payload: string; text: string } } {
  const buttons = template?.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  const button = buttons.find((b) => b.type.toUpperCase() === 'QUICK_REPLY');
  if (!button) return {};
  const text = button.text ?? 'Reply';
  return { quickReply: { payload: text, text } };
}

/** A POST to /messages that is a read receipt (`status` set, nobody to send to). */
export function isReadReceipt(body: unknown): body is Json {
  return isObject(body) && body.status !== undefined && body.to === undefined && body.recipient === undefined;
}
