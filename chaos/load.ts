// The clients of a scenario: lanes that post sends and count every answer by kind.
import { templateFixtures } from '@dak/dev-env/template-fixtures';

export interface ClientTally {
  accepted: string[];
  /** HTTP status → count (2xx included). */
  statuses: Map<number, number>;
  /** Connection errors (refused, reset) by code: the process was down, never a 5xx. */
  transport: Map<string, number>;
  /** Bodies of 5xx answers other than 503, for the report. */
  serverErrors: string[];
}

export function newTally(): ClientTally {
  return { accepted: [], statuses: new Map(), transport: new Map(), serverErrors: [] };
}

let recipientCounter = 0;
/** A new recipient per message, so Meta's per-recipient pair limit never applies. */
function nextRecipient(): string {
  recipientCounter += 1;
  return `9197${String(10_000_000 + recipientCounter).padStart(8, '0')}`;
}

export interface SendTarget {
  apiUrl: () => string;
  apiKey: string;
  metaPhoneNumberId: string;
}

/** Posts one send; records the answer. Returns true when accepted. */
export async function postSend(target: SendTarget, tally: ClientTally): Promise<boolean> {
  const body = {
    phone_number_id: target.metaPhoneNumberId,
    template_id: templateFixtures.order_update!.id,
    phone_number: nextRecipient(),
    variables: [{ type: 'body', values: ['Chaos', `ORD-${recipientCounter}`] }],
  };
  try {
    const response = await fetch(`${target.apiUrl()}/api/whatsapp/v1/send-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    tally.statuses.set(response.status, (tally.statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500 && response.status !== 503)
      tally.serverErrors.push(`${response.status} ${text.slice(0, 200)}`);
    if (response.status !== 200) return false;
    tally.accepted.push((JSON.parse(text) as { message_id: string }).message_id);
    return true;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (error as Error).name;
    tally.transport.set(code, (tally.transport.get(code) ?? 0) + 1);
    return false;
  }
}

/**
 * Runs `lanes` clients until `total` sends were accepted or `until()` says stop. A refused or
 * failed post is retried after a short pause (as a client honouring Retry-After would), so
 * the load carries on through the fault.
 */
export async function runClients(
  target: SendTarget,
  options: { lanes: number; total?: number; until?: () => boolean },
  tally: ClientTally = newTally(),
): Promise<ClientTally> {
  const done = () =>
    (options.total !== undefined && tally.accepted.length >= options.total) || (options.until?.() ?? false);
  let started = 0;
  await Promise.all(
    Array.from({ length: options.lanes }, async () => {
      while (!done() && (options.total === undefined || started < options.total)) {
        started += 1;
        if (!(await postSend(target, tally))) {
          started -= 1;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }),
  );
  return tally;
}

export function describeTally(tally: ClientTally): string {
  const statuses = [...tally.statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const transport = [...tally.transport].map(([c, n]) => `${c}×${n}`).join(' ');
  return `answers ${statuses || 'none'}${transport ? `; connection errors ${transport}` : ''}`;
}
