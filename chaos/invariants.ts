// What must hold after every scenario, whatever the fault: read from Postgres and from what
// meta-sim received.
import { sql, type Database } from '@dak/db';
import type { ClientTally } from './load';
import type { Exit } from './processes';

export interface Verdict {
  failures: string[];
  notes: string[];
}

const FINAL = ['sent', 'delivered', 'read', 'failed'];

/**
 * Waits until no message is `queued` or `sending` and no final message still holds credit
 * (a worker records Meta's answer and captures in two statements; the capture, or the status
 * webhook that also captures, can trail by a moment). Returns what is still open at the end.
 */
export async function waitAllFinal(
  db: Database,
  timeoutMs: number,
): Promise<{ open: number; heldFinal: number; waitedMs: number }> {
  const started = Date.now();
  let last = { open: -1, heldFinal: -1 };
  for (;;) {
    try {
      const { rows } = await sql<{ open: number; held_final: number }>`
        select count(*) filter (where status in ('queued', 'sending'))::int as open,
               count(*) filter (where status in ('sent', 'delivered', 'read', 'failed') and charge_state = 'held')::int as held_final
        from messages`.execute(db);
      last = { open: rows[0]?.open ?? 0, heldFinal: rows[0]?.held_final ?? 0 };
      if ((last.open === 0 && last.heldFinal === 0) || Date.now() - started > timeoutMs)
        return { ...last, waitedMs: Date.now() - started };
    } catch {
      // Postgres restarting: ask again
      if (Date.now() - started > timeoutMs) return { ...last, waitedMs: Date.now() - started };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface SimMessage {
  id: string;
  biz_opaque_callback_data?: string;
  accepted_at: string;
}

export async function checkInvariants(options: {
  db: Database;
  metaSimUrl: string;
  tally: ClientTally;
  exits: Exit[];
  sendLeaseMs: number;
  finalWaitMs: number;
  /** Duplicates are counted among Meta's takes since then (earlier scenarios reported theirs). */
  since: number;
}): Promise<Verdict> {
  const { db, tally } = options;
  const failures: string[] = [];
  const notes: string[] = [];

  const { open, heldFinal, waitedMs } = await waitAllFinal(db, options.finalWaitMs);
  if (open > 0) failures.push(`${open} messages not final after ${Math.round(waitedMs / 1000)} s`);
  if (heldFinal > 0)
    failures.push(`${heldFinal} final messages still hold credit after ${Math.round(waitedMs / 1000)} s`);
  notes.push(`final after ${(waitedMs / 1000).toFixed(1)} s`);

  // Every message a client was told is accepted exists and is final.
  if (tally.accepted.length > 0) {
    const { rows } = await sql<{
      id: string;
      status: string;
    }>`select id, status from messages where id = any(${tally.accepted})`.execute(db);
    if (rows.length !== new Set(tally.accepted).size)
      failures.push(`${tally.accepted.length - rows.length} accepted messages missing from Postgres`);
    const notFinal = rows.filter((r) => !FINAL.includes(r.status));
    if (notFinal.length > 0) failures.push(`${notFinal.length} accepted messages not final`);
  }

  // The ledger: the wallet's own balance equation, and the wallet agrees with its messages.
  // Captures from holds are counted beside the wallet row (wallet_captures): the effective held
  // is the row's held less them, the effective captured the row's plus them. Debt counts as
  // negative available.
  const { rows: wallets } = await sql<{
    account_id: string;
    balanced: boolean;
    held: number;
    held_by_messages: number;
  }>`
    select w.account_id,
           w.topped_up = w.available - w.debt + w.held + w.captured - w.refunded as balanced,
           w.held - coalesce((select sum(c.captured) from wallet_captures c where c.account_id = w.account_id), 0) as held,
           coalesce((select sum(m.price_minor) from messages m where m.account_id = w.account_id and m.charge_state = 'held'), 0)::int8 as held_by_messages
    from wallets w`.execute(db);
  for (const wallet of wallets) {
    if (!wallet.balanced)
      failures.push(`wallet ${wallet.account_id}: topped_up ≠ available − debt + held + captured − refunded`);
    if (Number(wallet.held) !== Number(wallet.held_by_messages))
      failures.push(
        `wallet ${wallet.account_id}: held ${wallet.held} ≠ holds of its messages ${wallet.held_by_messages}`,
      );
  }
  // Each message taken by Meta once, except in the documented lease case: Meta took it, but
  // no status of it reached Postgres within the lease, so the sweeper sent it again.
  const taken = (await (await fetch(`${options.metaSimUrl}/_sim/messages`)).json()) as { data: SimMessage[] };
  const byDakId = new Map<string, SimMessage[]>();
  const takenSince = taken.data.filter((m) => Date.parse(m.accepted_at) >= options.since);
  for (const message of taken.data) {
    if (!message.biz_opaque_callback_data) continue;
    byDakId.set(message.biz_opaque_callback_data, [...(byDakId.get(message.biz_opaque_callback_data) ?? []), message]);
  }
  const duplicated = [...byDakId].filter(
    ([, list]) => list.length > 1 && list.some((m) => Date.parse(m.accepted_at) >= options.since),
  );
  let leaseCases = 0;
  for (const [id, list] of duplicated) {
    // The lease starts at the claim, which is after the message was queued: a status stored
    // before queued_at + lease was stored before the lease ran out, and then the resend broke
    // the rule. A status stored later (or none) is the lease case.
    const { rows } = await sql<{ queued_at: Date; first_event: Date | null }>`
      select m.queued_at, (select min(e.received_at) from message_events e where e.message_id = m.id) as first_event
      from messages m where m.id = ${id}`.execute(db);
    const queuedAt = rows[0]?.queued_at.getTime() ?? 0;
    const firstEvent = rows[0]?.first_event?.getTime();
    if (firstEvent === undefined || firstEvent > queuedAt + options.sendLeaseMs) leaseCases += 1;
    else
      failures.push(
        `${id} taken by Meta ${list.length}× although a status was stored ${firstEvent - queuedAt} ms after it was queued (lease ${options.sendLeaseMs} ms)`,
      );
  }
  notes.push(`taken by Meta ${takenSince.length}, duplicates ${duplicated.length} (lease cases ${leaseCases})`);

  if (tally.serverErrors.length > 0)
    failures.push(`clients saw 5xx other than 503: ${tally.serverErrors.slice(0, 3).join(' | ')}`);
  const crashes = options.exits.filter((e) => !e.expected);
  for (const crash of crashes)
    failures.push(`${crash.name} exited by itself (code ${crash.code}, signal ${crash.signal})`);
  return { failures, notes };
}

/** Webhook POSTs meta-sim made that Dak answered with a 5xx other than 503 (each attempt counts). */
export async function webhookServerErrors(metaSimUrl: string): Promise<string[]> {
  const deliveries = (await (await fetch(`${metaSimUrl}/_sim/webhooks`)).json()) as {
    data: { attempts: { status?: number | null; error?: string }[] }[];
  };
  const errors: string[] = [];
  for (const delivery of deliveries.data) {
    for (const attempt of delivery.attempts) {
      if (attempt.status && attempt.status >= 500 && attempt.status !== 503)
        errors.push(`webhook answered ${attempt.status}`);
    }
  }
  return errors;
}
