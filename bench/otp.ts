// Scenario 8: an OTP behind a marketing backlog. One number at 80 mps (in Dak and in meta-sim),
// one worker process. A backlog of marketing messages (the demo seed's coupon_offer) is queued
// with send-batch, 10,000 per request; then one authentication message (login_otp) is sent
// with send-message. The wait runs from posting the OTP until meta-sim accepted it (its own
// record of the send), polled through the message's wamid in Postgres.
// Baseline in the same run: the same OTP on the same number while it is idle, before the backlog.
import { sql } from '@dak/db';
import { recipient, type BenchTarget } from './env';
import { HttpClient, waitUntil, type RunFigures } from './load';
import { startProcessBench, type ProcessBench } from './process-stack';
import { COUPON_OFFER, LOGIN_OTP, queueBatches } from './queue-batches';
import type { ResultRow } from './report';

export interface OtpSizes {
  backlog: number;
  mps: number;
  workers: number;
  waitTimeoutMs: number;
}

const SCENARIO = '9 OTP behind a backlog';

interface OtpWait {
  /** From posting the OTP to meta-sim accepting it; the time waited so far when it was not sent. */
  waitMs: number;
  sent: boolean;
  /** The API's answer time for the OTP. */
  answerMs: number;
  status: string;
  /** Sends meta-sim accepted from the number between posting the OTP and accepting it (or giving up). */
  sentBefore: number;
}

/** Sends one OTP from the bench's first number and waits until meta-sim has accepted it. */
async function sendOtp(bench: ProcessBench, index: number, timeoutMs: number): Promise<OtpWait> {
  const phoneNumber = bench.phoneNumbers[0]!;
  const to = recipient(index);
  const client = new HttpClient(1);
  try {
    const posted = Date.now();
    const answer = await client.post(
      `${bench.stack.apiUrl}/api/whatsapp/v1/send-message`,
      JSON.stringify({
        phone_number_id: phoneNumber,
        template_id: LOGIN_OTP.id,
        phone_number: to,
        variables: LOGIN_OTP.variables(index),
      }),
      { authorization: `Bearer ${bench.apiKey}` },
    );
    const answerMs = Date.now() - posted;
    if (answer.status !== 200) throw new Error(`the OTP was not accepted: HTTP ${answer.status} ${answer.body}`);
    const { message_id: id } = JSON.parse(answer.body) as { message_id: string };
    let row = { status: 'queued', wamid: null as string | null };
    const sent = await waitUntil(
      async () => {
        row = (await sql<typeof row>`select status, wamid from messages where id = ${id}`.execute(bench.db)).rows[0]!;
        return row.wamid !== null || row.status === 'failed';
      },
      timeoutMs,
      20,
    );
    const log = await bench.sim<{ accepted_at_ms: number[] }>('GET', `/phone-numbers/${phoneNumber}/sends`);
    const sentBetween = (until: number) => log.accepted_at_ms.filter((at) => at >= posted && at < until).length;
    if (!sent || row.wamid === null) {
      const waitMs = Date.now() - posted;
      return { waitMs, sent: false, answerMs, status: row.status, sentBefore: sentBetween(posted + waitMs) };
    }
    const { data } = await bench.sim<{ data: { id: string; accepted_at: string }[] }>(
      'GET',
      `/messages?wa_id=${to}&phone_number_id=${phoneNumber}`,
    );
    const acceptedAt = Date.parse(data.find((m) => m.id === row.wamid)!.accepted_at);
    return {
      waitMs: acceptedAt - posted,
      sent: true,
      answerMs,
      status: row.status,
      sentBefore: sentBetween(acceptedAt),
    };
  } finally {
    client.close();
  }
}

function figuresOf(wait: OtpWait, extra: Record<string, number> = {}): Pick<ResultRow, 'figures' | 'figure'> {
  const figures: RunFigures = {
    count: 1,
    seconds: wait.waitMs / 1_000,
    perSecond: Number.NaN,
    cpuMicrosPerOp: Number.NaN,
    outcomes: { [wait.sent ? 'sent' : `${wait.status}, not sent`]: 1, ...extra },
  };
  const text = wait.sent
    ? `waited ${(wait.waitMs / 1_000).toFixed(3)} s`
    : `> ${(wait.waitMs / 1_000).toFixed(0)} s, not sent`;
  return { figures, figure: { text, value: wait.waitMs } };
}

export async function benchOtp(target: BenchTarget, sizes: OtpSizes): Promise<ResultRow[]> {
  const bench = await startProcessBench(target, { workers: sizes.workers, mps: [sizes.mps] });
  try {
    const idle = await sendOtp(bench, sizes.backlog, sizes.waitTimeoutMs);
    const queueSeconds = await queueBatches(bench, {
      template: COUPON_OFFER,
      phoneNumber: bench.phoneNumbers[0]!,
      count: sizes.backlog,
    });
    const ahead = (await bench.countByStatus(bench.phoneNumbers[0])).queued ?? 0;
    const behind = await sendOtp(bench, sizes.backlog + 1, sizes.waitTimeoutMs);
    const what = `Dak: OTP (login_otp) behind ${sizes.backlog} marketing messages, one number at ${sizes.mps} mps, worker ×${sizes.workers}`;
    return [
      {
        scenario: SCENARIO,
        what,
        unit: 'msg',
        ...figuresOf(behind, { 'marketing queued ahead': ahead }),
        note: `target < 1 s; from posting the OTP (answered in ${behind.answerMs} ms) to meta-sim accepting it; ${behind.sentBefore} other sends of the number went ${behind.sent ? 'first' : 'out meanwhile'}; the backlog was queued in ${queueSeconds.toFixed(1)} s`,
      },
      {
        scenario: SCENARIO,
        what: 'an OTP the same way on the idle number, before the backlog',
        unit: 'msg',
        ...figuresOf(idle),
        baselineFor: what,
      },
    ];
  } finally {
    await bench.close();
  }
}
