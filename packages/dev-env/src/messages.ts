import { expect } from 'vitest';
import { templateFixtures } from './fixtures/templates';
import { DEMO } from './demo';
import type { TestStack } from './stack';
import { waitFor } from './wait';

/** The original product's example request: the demo `order_update` template with two body values. */
export function orderUpdateRequest(recipient: string = DEMO.recipient) {
  return {
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: templateFixtures.order_update!.id,
    phone_number: recipient,
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
  };
}

/** The demo `coupon_offer` MARKETING template, with its two body values and its coupon button. */
export function couponOfferRequest(recipient: string = DEMO.recipient) {
  return {
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: templateFixtures.coupon_offer!.id,
    phone_number: recipient,
    variables: [
      { type: 'body', values: ['Ananya', '20%'] },
      { type: 'button', index: 0, values: ['SAVE20'] },
    ],
  };
}

/** Sends and expects Dak to accept; returns the message id. */
export async function sendAccepted(
  stack: TestStack,
  key: string,
  body: unknown = orderUpdateRequest(),
): Promise<string> {
  const response = await stack.call('POST', '/api/whatsapp/v1/send-message', { key, body });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.message_id as string;
}

export async function messageStatus(stack: TestStack, key: string, id: string): Promise<any> {
  return (await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key })).body;
}

/** Polls the status endpoint until the message satisfies `done` (a status name or a predicate). */
export function waitForMessage(
  stack: TestStack,
  key: string,
  id: string,
  done: string | ((body: any) => boolean),
  timeoutMs = 10_000,
): Promise<any> {
  const matches = typeof done === 'string' ? (body: any) => body.status === done : done;
  return waitFor(
    async () => {
      const body = await messageStatus(stack, key, id);
      return matches(body) ? body : undefined;
    },
    { what: `${id} to be ${typeof done === 'string' ? done : 'as expected'}`, timeoutMs },
  );
}

/** Waits until no message is queued or being sent: Meta took or refused every one. */
export async function waitForQueueEmpty(stack: TestStack, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const rows = await stack.api.ctx.db
        .selectFrom('messages')
        .select('status')
        .where('status', 'in', ['queued', 'sending'])
        .limit(1)
        .execute();
      return rows.length === 0;
    },
    { timeoutMs, what: 'every message to leave the queue' },
  );
}
