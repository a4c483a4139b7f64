import { defineRoute } from '../../http/route';
import { webhookEventPageSchema, webhookEventsQuerySchema } from './schema';
import { webhookEventsPage } from './service';

export const webhookEventRoutes = [
  defineRoute({
    method: 'get',
    path: '/webhook-events',
    auth: 'admin',
    operationId: 'listWebhookEvents',
    summary: 'Webhook events from Meta, newest first; `rejected=true` lists those refused as not proven',
    description:
      "An event applies only to what its envelope owns: a status to a message sent from the envelope's `metadata.phone_number_id` under the entry's WABA " +
      "(and with the message's wamid, or naming it by callback data while it has none), a template update to that WABA's own template, an inbound message to " +
      'a number of that WABA. Anything else is kept, closed with `rejected_reason`, counted in `dak_webhooks_events_rejected_total{reason}` and never applied. ' +
      "Payloads are not returned (inbound bodies are personal data). `limit` (1–500, default 50); pass the answer's `next_before` as `before` for the next, older page.",
    query: webhookEventsQuerySchema,
    responses: { 200: { description: 'One page of events', schema: webhookEventPageSchema } },
  }).handle(async ({ ctx, query }) => ({ status: 200, body: await webhookEventsPage(ctx, query) })),
];
