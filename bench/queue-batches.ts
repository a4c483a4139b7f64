// Queues messages the way a business sends a campaign: POST /send-batch, up to 10,000 messages
// per request, a few requests at a time, each message to its own recipient. Used as set-up by
// the process scenarios (6–9), with the demo seed's templates.
import { TEMPLATE, recipient } from './env';
import { HttpClient, runLanes, type HttpAnswer } from './load';
import type { ProcessBench } from './process-stack';

/** A template of the demo seed and the variables of its index-th message. */
export interface BenchTemplate {
  id: string;
  name: string;
  variables(index: number): unknown[];
}

/** UTILITY, two body placeholders. */
export const ORDER_UPDATE: BenchTemplate = {
  id: TEMPLATE.id,
  name: TEMPLATE.name,
  variables: (i) => [{ type: 'body', values: [`Customer ${i}`, `ORD-${i}`] }],
};

/** MARKETING: two body placeholders and a copy-code button. */
export const COUPON_OFFER: BenchTemplate = {
  id: '1187263540918273',
  name: 'coupon_offer',
  variables: (i) => [
    { type: 'body', values: [`Customer ${i}`, '20%'] },
    { type: 'button', index: 0, values: [`SAVE${i}`] },
  ],
};

/** AUTHENTICATION: the code fills the body and the copy-code button. */
export const LOGIN_OTP: BenchTemplate = {
  id: '1550938274619203',
  name: 'login_otp',
  variables: (i) => [{ type: 'body', values: [String(100_000 + (i % 900_000))] }],
};

export interface QueueOptions {
  template: BenchTemplate;
  /** Meta phone number id of the sender. */
  phoneNumber: string;
  count: number;
  /** Index of the first message (its recipient and variables); keeps recipients distinct across calls. */
  offset?: number;
  perRequest?: number;
  concurrency?: number;
}

/** Throws unless every message of every batch was accepted; returns the seconds it took. */
export async function queueBatches(bench: ProcessBench, options: QueueOptions): Promise<number> {
  const perRequest = options.perRequest ?? 10_000;
  const concurrency = options.concurrency ?? 2;
  const offset = options.offset ?? 0;
  const requests = Math.ceil(options.count / perRequest);
  const client = new HttpClient(concurrency);
  const url = `${bench.stack.apiUrl}/api/whatsapp/v1/send-batch`;
  const headers = { authorization: `Bearer ${bench.apiKey}` };
  try {
    const figures = await runLanes(requests, concurrency, async (r) => {
      const first = offset + r * perRequest;
      const size = Math.min(perRequest, offset + options.count - first);
      const answer = await client.post(url, batchBody(options, first, size), headers);
      return outcome(answer, size);
    });
    if (figures.outcomes.ok !== requests) {
      throw new Error(
        `queueing ${options.count} ${options.template.name} messages failed: ${JSON.stringify(figures.outcomes)}`,
      );
    }
    return figures.seconds;
  } finally {
    client.close();
  }
}

function batchBody(options: QueueOptions, first: number, size: number): string {
  return JSON.stringify({
    phone_number_id: options.phoneNumber,
    template_id: options.template.id,
    messages: Array.from({ length: size }, (_, i) => ({
      phone_number: recipient(first + i),
      variables: options.template.variables(first + i),
    })),
  });
}

function outcome(answer: HttpAnswer, size: number): string {
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  const { accepted } = JSON.parse(answer.body) as { accepted: number };
  return accepted === size ? 'ok' : `accepted ${accepted} of ${size}: ${answer.body.slice(0, 300)}`;
}
