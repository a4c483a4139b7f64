import { describe, expect, it } from 'vitest';
import { extractWebhookEvents, readStoredEvent, type WebhookEvent } from '../src/index';

const envelope = (field: string, value: unknown) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '9001', time: 1764198000, changes: [{ field, value }] }],
});
/** What the applier reads back: the payload after a trip through Postgres's jsonb. */
const stored = (event: WebhookEvent | undefined) =>
  readStoredEvent({ kind: event!.kind, payload: JSON.parse(JSON.stringify(event!.payload)) });

// Meta's webhooks are split once on receipt and read back, typed, by the applier.
describe("Meta's webhook events", () => {
  it('a failed status carries its error, pricing and conversation', () => {
    const [event] = extractWebhookEvents(
      envelope('messages', {
        metadata: { display_phone_number: '15550781111', phone_number_id: '1001' },
        statuses: [
          {
            id: 'wamid.a',
            status: 'failed',
            timestamp: '1764198000',
            recipient_id: '919820388810',
            biz_opaque_callback_data: 'msg_0000000000000000000000000',
            errors: [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Not on WhatsApp' } }],
            pricing: { billable: false, pricing_model: 'PMP', category: 'utility', type: 'regular' },
            conversation: { id: 'conv1', origin: { type: 'utility' }, expiration_timestamp: '1764284400' },
          },
        ],
      }),
    );
    expect(event).toMatchObject({
      kind: 'status',
      wamid: 'wamid.a',
      status: 'failed',
      waba_id: '9001',
      meta_phone_number_id: '1001',
    });
    expect(event?.occurred_at).toEqual(new Date(1764198000 * 1000));
    expect(stored(event)).toMatchObject({
      kind: 'status',
      reported: 'failed',
      error: { code: 131026, title: 'Message undeliverable', details: 'Not on WhatsApp', source: 'meta' },
      report: {
        recipient_id: '919820388810',
        pricing: { billable: false, pricing_model: 'PMP', category: 'utility', type: 'regular' },
        conversation: { id: 'conv1', origin: { type: 'utility' }, expiration_timestamp: '1764284400' },
      },
    });
  });

  it('a failed status without errors still says it failed; a status Dak does not track applies nothing', () => {
    const statuses = [
      { id: 'wamid.b', status: 'failed', errors: 'not a list' },
      { id: 'wamid.c', status: 'deleted' },
    ];
    const [failed, deleted] = extractWebhookEvents(
      envelope('messages', { metadata: { phone_number_id: '1001' }, statuses }),
    );
    expect(stored(failed)).toMatchObject({
      reported: 'failed',
      error: { code: 'meta_failed', title: 'Meta reported the message as failed', source: 'meta' },
    });
    expect(stored(deleted)).toMatchObject({ kind: 'status', reported: null, error: null });
  });

  it('an inbound message is an event of the number that received it', () => {
    const [event] = extractWebhookEvents(
      envelope('messages', {
        metadata: { phone_number_id: '1001' },
        contacts: [{ wa_id: '919820388810', profile: { name: 'A' } }],
        messages: [
          { id: 'wamid.in', from: '919820388810', timestamp: '1764198000', type: 'text', text: { body: 'hi' } },
        ],
      }),
    );
    expect(event).toMatchObject({
      kind: 'message',
      dedupe_key: 'message:9001:1001:wamid.in',
      wamid: 'wamid.in',
      status: 'text',
    });
    expect(stored(event)).toEqual({
      kind: 'message',
      message: {
        id: 'wamid.in',
        from: '919820388810',
        from_user_id: null,
        timestamp: new Date(1764198000 * 1000),
        type: 'text',
      },
      content: { id: 'wamid.in', from: '919820388810', timestamp: '1764198000', type: 'text', text: { body: 'hi' } },
      contact: { wa_id: '919820388810', user_id: null, profile: { name: 'A', username: null } },
    });
  });

  it('a template update names its template; a reinstated one is approved again, and a reason of NONE is none', () => {
    const [reinstated] = extractWebhookEvents(
      envelope('message_template_status_update', { event: 'REINSTATED', message_template_id: 1234, reason: 'NONE' }),
    );
    expect(reinstated).toMatchObject({
      kind: 'template',
      status: 'REINSTATED',
      waba_id: '9001',
      occurred_at: new Date(1764198000 * 1000),
    });
    expect(stored(reinstated)).toEqual({
      kind: 'template',
      update: { templateId: '1234', status: 'APPROVED', reason: null },
    });
    const [rejected] = extractWebhookEvents(
      envelope('message_template_status_update', {
        event: 'REJECTED',
        message_template_id: '1235',
        reason: 'INVALID_FORMAT',
      }),
    );
    expect(stored(rejected)).toEqual({
      kind: 'template',
      update: { templateId: '1235', status: 'REJECTED', reason: 'INVALID_FORMAT' },
    });
    const [nameless] = extractWebhookEvents(envelope('message_template_status_update', { event: 'APPROVED' }));
    expect(stored(nameless)).toEqual({ kind: 'template', update: null });
  });

  it('a body of another shape yields what it can and never throws', () => {
    for (const body of [null, 7, 'x', [], {}, { entry: 'x' }, { entry: [null, 5, { changes: 'x' }] }])
      expect(extractWebhookEvents(body)).toEqual([]);
    const [other] = extractWebhookEvents(envelope('account_update', { event: 'VERIFIED' }));
    expect(other).toMatchObject({ kind: 'other', dedupe_key: expect.stringMatching(/^other:9001:account_update:/) });
    expect(stored(other)).toEqual({ kind: 'other' });
  });
});
