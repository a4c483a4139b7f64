import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { MessageError } from '@dak/core';
import {
  claimMessage,
  findMessageToSend,
  recordAccepted,
  recordFailedBeforeMeta,
  releaseClaim,
  type Message,
} from '@dak/db';
import { buildTemplateSendBody, classifyMetaError, messageErrorFromMeta } from '@dak/meta';
import { sendJobSchema, type SendJob } from '@dak/queue';
import { moveCharge } from './charges';
import type { WorkerContext } from './context';
import type { SenderNumber } from './phone-number-cache';

/** A wait up to this long is slept in place; a longer one parks the job in the delayed set. */
const MAX_INLINE_WAIT_MS = 250;
const EARLY_WAKE_MS = 150;
/** How late after its slot a send may still go out (Meta's window tolerates about this much). */
const MAX_LATENESS_MS = 50;
/**
 * A claim slower than this is a stall (Postgres restarting, a lock), not the ordinary cost of a
 * query on a busy machine: sends released by a stall take fresh slots, while a merely busy
 * database does not send every job back to the schedule. A shorter stall can release at most
 * a quarter second's share of the rate at once, within a second Meta counts as a whole; should
 * that still draw a 130429, the number's schedule is pushed back as for any other.
 */
const STALLED_CLAIM_MS = 250;
/**
 * The share of a number's limit the schedule uses. The rest absorbs what the schedule cannot
 * see: the claim query and the HTTP request take a little longer for some sends than others,
 * so requests reach Meta slightly closer together than their slots.
 */
const PACING_SHARE = 0.95;
const THROUGHPUT_BACKOFF_MS = 1_000;
const MAX_PAIR_WAIT_MS = 4 ** 5 * 1_000;

/** Thrown to let BullMQ retry with backoff; Meta did not take the message. */
export class RetryableSendError extends Error {
  constructor(readonly messageError: MessageError) {
    super(`retryable: ${messageError.code} ${messageError.title}`);
    this.name = 'RetryableSendError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one message: read its row, wait for its number's rate-limit slot, claim the row in
 * Postgres, call the Cloud API, record the outcome. Postgres decides who sends: only a
 * `queued` row can be claimed, so duplicates of a job never send twice. The sender (Meta's
 * number id, token, rate) always comes from the message's own row; the job only names it.
 */
export async function processSend(ctx: WorkerContext, job: Job<SendJob>, token?: string): Promise<string> {
  const parsed = sendJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid send job payload: ${parsed.error.message}`);
  const data = parsed.data;
  const row = await findMessageToSend(ctx.db, data.messageId);
  if (!row || row.status !== 'queued') {
    ctx.metrics.sends.inc({ outcome: 'skipped' });
    return 'not queued (already sent, failed or being sent)';
  }
  if (row.sender_id !== data.senderId) {
    // A job that disagrees with its message was not made by Dak's enqueue: never send a
    // message from a number it does not belong to, and never retry such a job.
    ctx.metrics.sends.inc({ outcome: 'refused' });
    ctx.logger.error(
      { messageId: row.id, jobSenderId: data.senderId, messageSenderId: row.sender_id },
      'send job names another phone number than its message; nothing sent',
    );
    throw new UnrecoverableError(`job phone number ${data.senderId} is not the number of message ${row.id}`);
  }
  const sender = await ctx.phones.get(row.sender_id);
  if (!sender) throw new UnrecoverableError(`phone number ${row.sender_id} does not exist`);

  const slot = await pace(ctx, job, data, sender, token);
  const message = await claimMessage(ctx.db, row.id);
  if (!message) {
    ctx.metrics.sends.inc({ outcome: 'skipped' });
    return 'not queued (already sent, failed or being sent)';
  }
  if (message.expires_at && message.expires_at.getTime() <= Date.now()) {
    await failBeforeMeta(ctx, message.id, {
      code: 'expired',
      title: 'Not sent before expires_in ran out',
      source: 'dak',
    });
    return 'expired';
  }
  // A claim that stalled (the database answered every waiting claim at once) would release all
  // those sends together, a burst Meta answers with 130429. Such a send takes a fresh slot; if
  // that one is far off, the row is given back unchanged and the job waits for it in the
  // delayed set, as before any claim.
  if (Date.now() - slot > STALLED_CLAIM_MS) {
    await pace(ctx, job, { ...data, slot: undefined }, sender, token, () =>
      releaseClaim(ctx.db, message.id, undefined),
    );
  }
  return send(ctx, job, data, sender, message, token);
}

/**
 * Waits for this send's slot in the phone number's shared schedule and returns it. A send
 * that would go out more than MAX_LATENESS_MS after its slot (the job came back late, the
 * event loop stalled) takes a new slot instead: late sends bunch up, and a bunch is what Meta
 * counts as too fast. `beforeDefer` runs before the job is parked.
 */
async function pace(
  ctx: WorkerContext,
  job: Job<SendJob>,
  data: SendJob,
  sender: SenderNumber,
  token?: string,
  beforeDefer?: () => Promise<unknown>,
): Promise<number> {
  let slot = data.slot;
  for (;;) {
    const now = Date.now();
    if (slot === undefined || now - slot > MAX_LATENESS_MS)
      slot = now + (await ctx.limiter.reserve(sender.id, sender.mps * PACING_SHARE, now));
    const wait = slot - now;
    // Parked jobs come back a little early (BullMQ wakes them in coarse steps); the last
    // stretch is slept here, so the send leaves on time.
    if (wait > MAX_INLINE_WAIT_MS) {
      await beforeDefer?.();
      await defer(job, { ...data, slot }, slot - EARLY_WAKE_MS, token);
    }
    if (wait > 0) await sleep(wait);
    if (Date.now() - slot <= MAX_LATENESS_MS) return slot;
  }
}

/** Parks the job until `until` without spending one of its attempts. */
async function defer(job: Job<SendJob>, data: SendJob, until: number, token?: string): Promise<never> {
  await job.updateData(data);
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}

async function send(
  ctx: WorkerContext,
  job: Job<SendJob>,
  data: SendJob,
  sender: SenderNumber,
  message: Message,
  token?: string,
): Promise<string> {
  const started = performance.now();
  const outcome = await ctx.graph.sendMessage(
    sender.metaPhoneNumberId,
    sender.accessToken,
    buildTemplateSendBody(message),
  );
  ctx.metrics.metaLatency.observe({ outcome: outcome.kind }, (performance.now() - started) / 1000);

  switch (outcome.kind) {
    case 'accepted': {
      // Two statements, no transaction: if the process dies between them, the message's first
      // status webhook captures the hold (any status from Meta does), so money never sticks.
      const accepted = await recordAccepted(ctx.db, message.id, outcome.wamid);
      if (accepted) await moveCharge(ctx.db, accepted, 'accepted');
      ctx.metrics.sends.inc({ outcome: 'accepted' });
      return `accepted ${outcome.wamid}`;
    }
    case 'unknown':
      // Meta may have taken it. Sending again now could deliver it twice, so the row stays
      // claimed: a status webhook (matched by biz_opaque_callback_data) settles it, and if none
      // arrives within the lease the sweeper sends it again.
      ctx.metrics.sends.inc({ outcome: 'unknown' });
      ctx.logger.warn(
        { messageId: message.id, reason: outcome.reason },
        'no answer from the Cloud API; waiting for a status webhook before resending',
      );
      return `unknown (${outcome.reason})`;
    case 'unreachable':
      return retry(ctx, job, message.id, {
        code: 'meta_unreachable',
        title: `Cloud API unreachable (${outcome.reason})`,
        source: 'dak',
      });
    case 'rejected':
      break;
  }

  const error = messageErrorFromMeta(outcome.error, `HTTP ${outcome.httpStatus}`);
  switch (classifyMetaError(outcome.error.code)) {
    case 'throughput': {
      const until = Date.now() + THROUGHPUT_BACKOFF_MS;
      await ctx.limiter.pushBack(sender.id, until);
      await releaseClaim(ctx.db, message.id, error);
      ctx.metrics.sends.inc({ outcome: 'deferred' });
      return defer(job, { ...data, slot: undefined }, until, token);
    }
    case 'pair_rate': {
      const retries = data.pairRetries ?? 0;
      await releaseClaim(ctx.db, message.id, error);
      ctx.metrics.sends.inc({ outcome: 'deferred' });
      return defer(
        job,
        { ...data, slot: undefined, pairRetries: retries + 1 },
        Date.now() + Math.min(4 ** retries * 1_000, MAX_PAIR_WAIT_MS),
        token,
      );
    }
    case 'transient':
    case 'app_rate':
      return retry(ctx, job, message.id, error);
    case 'spam_rate':
    case 'per_user_marketing':
    case 'permanent':
      await failBeforeMeta(ctx, message.id, error);
      return `rejected ${error.code}`;
  }
}

/** Meta did not take it but may later: back to `queued` and let BullMQ retry, or fail on the last attempt. */
async function retry(ctx: WorkerContext, job: Job<SendJob>, messageId: string, error: MessageError): Promise<string> {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (lastAttempt) {
    await failBeforeMeta(ctx, messageId, error);
    return `failed after ${job.attemptsMade + 1} attempts: ${error.code}`;
  }
  await releaseClaim(ctx.db, messageId, error);
  ctx.metrics.sends.inc({ outcome: 'retried' });
  throw new RetryableSendError(error);
}

/** The message never reached Meta: it fails and its hold goes back to the wallet. */
async function failBeforeMeta(ctx: WorkerContext, messageId: string, error: MessageError): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const failed = await recordFailedBeforeMeta(trx, messageId, error, ['sending', 'queued']);
    if (failed) await moveCharge(trx, failed, 'failed_before_meta');
  });
  ctx.metrics.sends.inc({ outcome: 'rejected' });
}
