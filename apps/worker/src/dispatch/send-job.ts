import { UnrecoverableError, type Job } from 'bullmq';
import type { MessageError } from '@dak/core';
import {
  claimForSending,
  holdMarketing,
  metaOptOutOf,
  recordAcceptedMany,
  recordContacts,
  recordFailedBeforeMetaMany,
  releaseClaims,
  type ContactSighting,
  type Message,
  type Release,
} from '@dak/db';
import {
  buildSendBody,
  classifyMetaError,
  messageErrorFromMeta,
  sendRetryDecision,
  type MetaErrorClass,
  type SendOutcome,
} from '@dak/meta';
import { dispatchJobSchema, type DispatchJob } from '@dak/queue';
import { recordWithCallbacks } from '../callback-events';
import type { WorkerContext } from '../context';
import type { SenderNumber } from '../phone-number-cache';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What became of one job's messages; each list is written in one statement. */
interface Outcomes {
  accepted: { id: string; wamid: string }[];
  released: Release[];
  failed: { id: string; error: MessageError }[];
  /** Marketing holds for recipients Meta refused marketing for (131049). */
  holds: { accountId: string; recipient: string; until: Date; reason: string }[];
  /** Recipients Meta says stopped marketing (131050): opted out. */
  optOuts: ContactSighting[];
  unknown: number;
}

/** What Meta asked of the whole number: a pause (130429) or a slow-down (131048). */
type NumberAsk = { pauseUntil: number } | { rateFactor: number; until: number } | undefined;

/**
 * Sends one dispatch job: claims its messages in one statement (only queued rows of the job's
 * own number: a duplicate or forged job sends nothing twice and nothing from another number),
 * sends each at its slot, then records every outcome set-wise: the accepted and their captures,
 * the given back (with when they may go again), the failed and their releases.
 */
export async function processDispatch(ctx: WorkerContext, job: Job<DispatchJob>): Promise<string> {
  const parsed = dispatchJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid dispatch job payload: ${parsed.error.message}`);
  const { senderId, sends } = parsed.data;
  const sender = await ctx.phones.get(senderId);
  if (!sender) throw new UnrecoverableError(`phone number ${senderId} does not exist`);

  const claimed = new Map(
    (
      await claimForSending(
        ctx.db,
        senderId,
        sends.map(([id]) => id),
      )
    ).map((m) => [m.id, m]),
  );
  ctx.metrics.sends.inc({ outcome: 'skipped' }, sends.length - claimed.size);
  if (claimed.size === 0) return 'nothing to send (already sent, failed or being sent)';

  const outcomes: Outcomes = { accepted: [], released: [], failed: [], holds: [], optOuts: [], unknown: 0 };
  let pausedUntil = (await ctx.dispatch.paces([senderId])).get(senderId)?.pausedUntil ?? 0;
  const inFlight: Promise<void>[] = [];
  const take = (id: string) => {
    const message = claimed.get(id);
    if (!message) return;
    if (message.expires_at && message.expires_at.getTime() <= Date.now()) {
      outcomes.failed.push({
        id,
        error: { code: 'expired', title: 'Not sent before expires_in ran out', source: 'dak' },
      });
      return;
    }
    if (pausedUntil > Date.now()) {
      outcomes.released.push({ id, notBefore: new Date(pausedUntil), error: null });
      return;
    }
    inFlight.push(
      send(ctx, sender, message).then(async (outcome) => {
        const ask = settle(outcome, message, outcomes);
        if (ask && 'pauseUntil' in ask) {
          pausedUntil = Math.max(pausedUntil, ask.pauseUntil);
          await ctx.dispatch.pause(senderId, ask.pauseUntil);
        } else if (ask) {
          await ctx.dispatch.slowDown(senderId, ask.rateFactor, ask.until - Date.now());
        }
      }),
    );
  };
  // The job's turn in its number's timeline: it keeps its spacing and moves later when it starts
  // late or the number's previous job has not finished, so late sends never bunch; and the
  // dispatcher admits the number's next sends only after that timeline's end.
  const lastSlot = sends[sends.length - 1]![1];
  const shift = await ctx.dispatch.turn(senderId, sends[0]![1], lastSlot + parsed.data.interval);
  if (shift > 0) ctx.metrics.jobLateness.observe(shift / 1000);
  // Sleeps until the next slot, then sends every message whose slot has come: timers fire late
  // under load, and waking per slot would let that lateness add up over the job.
  for (let next = 0; next < sends.length;) {
    const wait = sends[next]![1] + shift - Date.now();
    if (wait > 0) await sleep(wait);
    const now = Date.now();
    for (; next < sends.length && sends[next]![1] + shift <= now; next += 1) take(sends[next]![0]);
  }
  await Promise.all(inFlight);
  await record(ctx, outcomes, [...new Set([...claimed.values()].map((m) => m.account_id))]);
  return `accepted ${outcomes.accepted.length}, given back ${outcomes.released.length}, failed ${outcomes.failed.length}, unknown ${outcomes.unknown}`;
}

async function send(ctx: WorkerContext, sender: SenderNumber, message: Message): Promise<SendOutcome> {
  const started = performance.now();
  const outcome = await ctx.graph.sendMessage(sender.metaPhoneNumberId, sender.accessToken, buildSendBody(message));
  ctx.metrics.metaLatency.observe({ outcome: outcome.kind }, (performance.now() - started) / 1000);
  return outcome;
}

/** Files one answer under its outcome; returns what Meta asked of the whole number, if anything. */
function settle(outcome: SendOutcome, message: Message, outcomes: Outcomes): NumberAsk {
  switch (outcome.kind) {
    case 'accepted':
      outcomes.accepted.push({ id: message.id, wamid: outcome.wamid });
      return undefined;
    case 'unknown':
      // Meta may have taken it. Sending again now could deliver it twice, so the row stays
      // claimed: a status webhook (matched by biz_opaque_callback_data) settles it, and if none
      // arrives within the lease the sweeper gives it back to be sent again.
      outcomes.unknown += 1;
      return undefined;
    case 'unreachable':
      return refused(
        message,
        'transient',
        { code: 'meta_unreachable', title: `Cloud API unreachable (${outcome.reason})`, source: 'dak' },
        outcomes,
      );
    case 'rejected':
      return refused(
        message,
        classifyMetaError(outcome.error.code),
        messageErrorFromMeta(outcome.error, `HTTP ${outcome.httpStatus}`),
        outcomes,
      );
  }
}

/** Carries out sendRetryDecision for a send Meta did not take. */
function refused(message: Message, errorClass: MetaErrorClass, error: MessageError, outcomes: Outcomes): NumberAsk {
  const now = Date.now();
  const decision = sendRetryDecision({
    errorClass,
    attempt: message.attempts + 1,
    now,
    pairRetries: message.pair_retries,
  });
  switch (decision.kind) {
    case 'retry':
      outcomes.released.push({ id: message.id, notBefore: new Date(decision.at), error, spent: true });
      return undefined;
    case 'delay_recipient':
      outcomes.released.push({
        id: message.id,
        notBefore: new Date(decision.at),
        error,
        pairRetries: decision.pairRetries,
      });
      return undefined;
    case 'push_back_number':
      outcomes.released.push({ id: message.id, notBefore: new Date(decision.until), error });
      return { pauseUntil: decision.until };
    case 'slow_number':
      if (decision.retryAt === null) outcomes.failed.push({ id: message.id, error });
      else outcomes.released.push({ id: message.id, notBefore: new Date(decision.retryAt), error, spent: true });
      return { rateFactor: decision.rateFactor, until: decision.until };
    case 'fail':
      outcomes.failed.push({ id: message.id, error });
      if (decision.holdMarketingUntil !== null) {
        outcomes.holds.push({
          accountId: message.account_id,
          recipient: message.recipient,
          until: new Date(decision.holdMarketingUntil),
          reason: `meta_${String(error.code)}`,
        });
      }
      if (error.code === 131050)
        outcomes.optOuts.push(metaOptOutOf(message.account_id, message.recipient, new Date(now)));
      return undefined;
  }
}

/** `accountIds`: whose messages they are (a job's number's account). */
async function record(ctx: WorkerContext, outcomes: Outcomes, accountIds: string[]): Promise<void> {
  // Accepted: recorded, captured and their `sent` callbacks recorded, together.
  const accepted = await recordWithCallbacks(
    ctx,
    'accepted',
    (db) => recordAcceptedMany(db, outcomes.accepted),
    accountIds,
  );
  const released = await releaseClaims(ctx.db, outcomes.released);
  if (outcomes.holds.length > 0) await holdMarketing(ctx.db, outcomes.holds);
  if (outcomes.optOuts.length > 0) await recordContacts(ctx.db, outcomes.optOuts);
  // Failed before Meta: the status, the hold's release and the callbacks together.
  if (outcomes.failed.length > 0) {
    await recordWithCallbacks(ctx, 'failed_before_meta', async (trx) =>
      (await recordFailedBeforeMetaMany(trx, outcomes.failed, ['sending', 'queued'])).map((m) => ({
        ...m,
        previous_status: 'queued',
      })),
    );
  }
  const { sends } = ctx.metrics;
  sends.inc({ outcome: 'accepted' }, accepted.length);
  sends.inc({ outcome: 'retried' }, released);
  sends.inc({ outcome: 'rejected' }, outcomes.failed.length);
  sends.inc({ outcome: 'unknown' }, outcomes.unknown);
}
