import { statusError } from './meta-errors';
import type { IdFactory, SeededRandom } from './random';
import type { Scheduler } from './scheduler';
import type { PhoneNumber } from './store';
import type { SpecialRecipientRule, WebhookSettings } from './types';
import type { WebhookDispatcher } from './webhook-dispatcher';

export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1_000;
/** A click-to-WhatsApp ad or Page button opens a 72-hour free-entry window. */
export const ENTRY_POINT_WINDOW_MS = 72 * 60 * 60 * 1_000;

/** Per-message pricing (PMP), as Meta reports it on statuses since July 2025. */
export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  category: string;
  type: 'regular' | 'free_customer_service' | 'free_entry_point';
}

/** The `conversation` Meta still sends beside the pricing of a free-entry-point message. */
export interface EntryPointConversation {
  id: string;
  expiration_timestamp: string;
  origin: { type: 'free_entry_point' };
}

/** What the simulator remembers about an accepted message. */
/** A user's message to the business, and the business's read receipt for it. */
export interface InboundRecord {
  id: string;
  phone_number_id: string;
  from: string;
  received_at: string;
  /** When the business sent a read receipt naming it (or a later message of the same user). */
  read_at?: string;
}

export interface SimMessage {
  id: string;
  phone_number_id: string;
  /** What the send named: `to` (a phone number) or `recipient` (a business-scoped user id). */
  to: string;
  /** The user's key: the phone number when known, else the user id. */
  wa_id: string;
  /** Set when the send named the user by `recipient`: statuses then carry `recipient_user_id`. */
  user_id?: string;
  /** The user's phone number, when the send named it or the simulator knows it. */
  phone?: string;
  type: string;
  template?: { name: string; language: string; category: string };
  biz_opaque_callback_data?: string;
  accepted_at: string;
  behaviour: string;
  /** Statuses emitted so far, in emission order. */
  statuses: string[];
}

export interface AcceptedSend {
  message: SimMessage;
  number: PhoneNumber;
  pricing: Pricing;
  /** Only for a free-entry-point message. */
  conversation?: EntryPointConversation;
  rule: SpecialRecipientRule | undefined;
  quickReply?: { payload: string; text: string };
}

export interface InboundMessage {
  phone_number_id: string;
  /** Absent for a user known only by a username: `user_id` names them. */
  from?: string;
  user_id?: string;
  username?: string;
  name?: string;
  text?: string;
  button?: { payload: string; text: string };
  /** The wamid being replied to. */
  context_id?: string;
}

/**
 * After a send is accepted: plans its statuses (sent → delivered → read, or failures for
 * special recipients), tracks customer-service windows and simulated user replies.
 */
export class MessageLifecycle {
  private messages = new Map<string, SimMessage>();
  private windows = new Map<string, number>();
  private entryWindows = new Map<string, { id: string; opened: number }>();
  /** Business-scoped user ids whose phone number a user's message showed: a send naming the id reaches that user. */
  private userPhones = new Map<string, string>();
  /** Users' messages to the business, by wamid: what a read receipt may name. */
  private inboundMessages = new Map<string, InboundRecord>();

  constructor(
    private readonly settings: WebhookSettings,
    private readonly scheduler: Scheduler,
    private readonly dispatcher: WebhookDispatcher,
    private readonly random: SeededRandom,
    private readonly ids: IdFactory,
    private readonly lookupNumber: (id: string) => PhoneNumber | undefined,
    private readonly maxMessages: number,
  ) {}

  clear(): void {
    this.messages.clear();
    this.windows.clear();
    this.entryWindows.clear();
    this.inboundMessages.clear();
  }

  /** The phone number behind a user id, when a message of that user showed both. */
  phoneOfUser(userId: string): string | undefined {
    return this.userPhones.get(userId);
  }

  /** A user's message to the business that the simulator sent, by wamid. */
  inboundMessage(wamid: string): InboundRecord | undefined {
    return this.inboundMessages.get(wamid);
  }

  /** Every user message sent to the business, oldest first, with when the business read it. */
  inboundList(): InboundRecord[] {
    return [...this.inboundMessages.values()];
  }

  get(wamid: string): SimMessage | undefined {
    return this.messages.get(wamid);
  }

  list(): SimMessage[] {
    return [...this.messages.values()];
  }

  windowOpen(phoneNumberId: string, waId: string, now: number): boolean {
    const opened = this.windows.get(`${phoneNumberId}:${waId}`);
    return opened !== undefined && now - opened < SERVICE_WINDOW_MS;
  }

  openWindow(phoneNumberId: string, waId: string, at: number = Date.now()): void {
    this.windows.set(`${phoneNumberId}:${waId}`, at);
  }

  /** The open free-entry window's conversation (opened by an ad click or Page button), if any. */
  entryPointConversation(phoneNumberId: string, waId: string, now: number): EntryPointConversation | undefined {
    const window = this.entryWindows.get(`${phoneNumberId}:${waId}`);
    if (!window || now - window.opened >= ENTRY_POINT_WINDOW_MS) return undefined;
    return {
      id: window.id,
      expiration_timestamp: unixSeconds(window.opened + ENTRY_POINT_WINDOW_MS),
      origin: { type: 'free_entry_point' },
    };
  }

  /** As a click-to-WhatsApp ad does: the customer-service window and a 72-hour free-entry window. */
  openEntryPointWindow(phoneNumberId: string, waId: string, at: number = Date.now()): void {
    this.openWindow(phoneNumberId, waId, at);
    this.entryWindows.set(`${phoneNumberId}:${waId}`, { id: this.random.chars(32, '0123456789abcdef'), opened: at });
  }

  accept(send: AcceptedSend): void {
    const { message } = send;
    this.messages.set(message.id, message);
    if (this.messages.size > this.maxMessages) {
      const oldest = this.messages.keys().next().value;
      if (oldest !== undefined) this.messages.delete(oldest);
    }
    this.plan(send);
  }

  /** A simulated user writes to the business: opens the service window and sends the webhook. */
  inbound(input: InboundMessage): { id: string } {
    const number = this.lookupNumber(input.phone_number_id);
    if (!number) throw new Error(`unknown phone number ${input.phone_number_id}`);
    const phone = input.from?.replace(/\D/g, '');
    const userId = input.user_id;
    if (phone && userId) this.userPhones.set(userId, phone);
    // Windows and read receipts are per user: by number when known (also when this message
    // withholds it), else by user id.
    const from = phone ?? (userId && this.userPhones.get(userId)) ?? userId;
    if (!from) throw new Error('an inbound message needs from or user_id');
    const id = this.ids.wamid(from);
    const now = Date.now();
    this.openWindow(number.id, from, now);
    // A user known only by a username has no `from`: Meta names them by `from_user_id`.
    const message: Record<string, unknown> = {
      ...(phone ? { from: phone } : {}),
      ...(userId ? { from_user_id: userId } : {}),
      id,
      timestamp: unixSeconds(now),
    };
    this.inboundMessages.set(id, { id, phone_number_id: number.id, from, received_at: new Date(now).toISOString() });
    if (this.inboundMessages.size > this.maxMessages) {
      const oldest = this.inboundMessages.keys().next().value;
      if (oldest !== undefined) this.inboundMessages.delete(oldest);
    }
    if (input.context_id) message.context = { from: number.display, id: input.context_id };
    if (input.button) {
      message.type = 'button';
      message.button = { payload: input.button.payload, text: input.button.text };
    } else {
      message.type = 'text';
      message.text = { body: input.text ?? '' };
    }
    this.dispatcher.enqueue({
      wabaId: number.wabaId,
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: number.display, phone_number_id: number.id },
        contacts: [
          {
            profile: {
              name: input.name ?? `User ${from.slice(-4)}`,
              ...(input.username ? { username: input.username } : {}),
            },
            ...(phone ? { wa_id: phone } : {}),
            ...(userId ? { user_id: userId } : {}),
          },
        ],
        messages: [message],
      },
    });
    return { id };
  }

  private plan(send: AcceptedSend): void {
    const { delaysMs } = this.settings;
    const at = (base: number) => base + (this.settings.jitterMs > 0 ? this.random.int(this.settings.jitterMs) : 0);
    const sent = at(delaysMs.sent);
    const delivered = Math.max(sent, at(delaysMs.delivered));
    const read = Math.max(delivered, at(delaysMs.read));
    const { conversation } = send;
    const pricing = conversation ? { pricing: send.pricing, conversation } : { pricing: send.pricing };
    const code = send.rule?.errorCode;
    switch (send.rule?.behaviour) {
      case 'not_on_whatsapp':
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, delivered, 'failed', { errors: [statusError(131026)] });
        return;
      case 'marketing_limit':
        this.emit(send, sent, 'failed', { errors: [statusError(131049)] });
        return;
      case 'marketing_opt_out':
        this.emit(send, sent, 'failed', { errors: [statusError(131050)] });
        return;
      case 'never_delivers':
        this.emit(send, sent, 'sent', pricing);
        return;
      case 'never_reads':
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, delivered, 'delivered', pricing);
        return;
      case 'reads_instantly':
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, delivered, 'read', pricing);
        return;
      case 'fails':
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, delivered, 'failed', { errors: [statusError(code ?? 131000)] });
        return;
      case 'fails_then_delivers':
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, delivered, 'failed', { errors: [statusError(code ?? 131000)] });
        this.emit(send, read, 'delivered', pricing);
        return;
      default: {
        const swapped = this.random.chance(this.settings.reorderRate);
        this.emit(send, sent, 'sent', pricing);
        this.emit(send, swapped ? read : delivered, 'delivered', pricing);
        const reads = send.rule?.behaviour === 'replies' || this.random.chance(this.settings.readRate);
        if (reads) this.emit(send, swapped ? delivered : read, 'read', {});
        if (send.rule?.behaviour === 'replies') this.scheduleReply(send, read + Math.max(1, delaysMs.sent));
      }
    }
  }

  private emit(send: AcceptedSend, delayMs: number, status: string, extra: Record<string, unknown>): void {
    const { message, number } = send;
    this.scheduler.after(delayMs, () => {
      message.statuses.push(status);
      const update = {
        wabaId: number.wabaId,
        field: 'messages' as const,
        phoneNumber: { id: number.id, display: number.display },
        status: {
          id: message.id,
          status,
          timestamp: unixSeconds(Date.now()),
          ...(message.phone && !message.user_id ? { recipient_id: message.phone } : {}),
          ...(message.user_id ? { recipient_user_id: message.user_id } : {}),
          ...(message.biz_opaque_callback_data === undefined
            ? {}
            : { biz_opaque_callback_data: message.biz_opaque_callback_data }),
          ...extra,
        },
      };
      this.dispatcher.enqueue(update);
      if (this.random.chance(this.settings.duplicateRate)) this.dispatcher.enqueue(update, true);
    });
  }

  private scheduleReply(send: AcceptedSend, delayMs: number): void {
    const { message, number } = send;
    const rule = send.rule as SpecialRecipientRule;
    this.scheduler.after(delayMs, () => {
      const button = rule.replyText === undefined ? send.quickReply : undefined;
      this.inbound({
        phone_number_id: number.id,
        ...(message.phone ? { from: message.phone } : {}),
        ...(message.user_id ? { user_id: message.user_id } : {}),
        context_id: message.id,
        ...(button ? { button } : { text: rule.replyText ?? 'Thanks!' }),
      });
    });
  }
}

export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1_000));
}
