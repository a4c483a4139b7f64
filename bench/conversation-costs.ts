// Scenario 13: what the conversation side (issue 13) adds to intake. An account holding
// `contacts` contacts (each with a user id, 1 % opted out of marketing) receives POST
// /send-batch, 1,000 messages per request from 4 clients, no worker running, three ways:
//   (a) a MARKETING template: each batch looks its recipients up among the contacts (opt-outs)
//       and rejects the opted-out ones by index. The template is the demo's coupon_offer (a
//       button parameter more than order_update), so this ratio holds more than the lookup:
//       the lookups are also timed alone, sent raw as the repositories send them;
//   (b) a UTILITY template with every item named by `user_id`: one lookup resolves them to the
//       numbers the account knows them by;
//   baseline: the same UTILITY batches named by `phone_number` (no lookup). The rounds alternate
//   (baseline, a, b, baseline, a, b, …) so drift in the machine's load falls on all three alike.
// (c) The index conversations added to `messages` (sender, recipient, queued_at): 1,000-row raw
//   INSERTs into a copy of `messages` with every index, against a copy without that one.
import { newId } from '@dak/core';
import { knownAddresses, optedOutAmong } from '@dak/db';
import { couponOfferRequest } from '@dak/dev-env';
import { pg } from './deps';
import { TEMPLATE, recipient, startBenchEnv, type BenchTarget } from './env';
import { HttpClient, runLanes, type RunFigures } from './load';
import type { ResultRow } from './report';

export interface ConversationCostSizes {
  /** Rounds of the three ways; each round sends `batchesPerRound` batches each way. */
  rounds: number;
  batchesPerRound: number;
  perBatch: number;
  concurrency: number;
  contacts: number;
  /** 1,000-row INSERTs per copy of `messages` in (c). */
  inserts: number;
}

const SCENARIO = '13 conversation costs';
const MARKETING_TEMPLATE_ID = couponOfferRequest().template_id;
const userIdOf = (index: number) => `IN.${7_000_000_000_000 + index}`;

type Way = 'phone' | 'marketing' | 'userId';

function batchBody(way: Way, first: number, perBatch: number, phoneNumber: string): string {
  const marketing = way === 'marketing';
  return JSON.stringify({
    phone_number_id: phoneNumber,
    template_id: marketing ? MARKETING_TEMPLATE_ID : TEMPLATE.id,
    messages: Array.from({ length: perBatch }, (_, i) => {
      const index = first + i;
      return {
        ...(way === 'userId' ? { user_id: userIdOf(index) } : { phone_number: recipient(index) }),
        variables: marketing
          ? [
              { type: 'body', values: [`Customer ${index}`, '20%'] },
              { type: 'button', index: 0, values: ['SAVE20'] },
            ]
          : [{ type: 'body', values: [`Customer ${index}`, `ORD-${index}`] }],
      };
    }),
  });
}

/** Several runs of one way as one figure: counts and seconds summed, the median run's p50, the worst p95 and p99. */
function pooled(runs: RunFigures[]): RunFigures {
  const count = runs.reduce((n, r) => n + r.count, 0);
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const outcomes: Record<string, number> = {};
  for (const run of runs)
    for (const [label, n] of Object.entries(run.outcomes)) outcomes[label] = (outcomes[label] ?? 0) + n;
  const timed = runs.flatMap((r) => (r.latencies ? [r.latencies] : []));
  const p50s = timed.map((l) => l.p50).sort((a, b) => a - b);
  return {
    count,
    seconds,
    perSecond: count / seconds,
    ...(timed.length > 0
      ? {
          latencies: {
            p50: p50s[p50s.length >> 1]!,
            p95: Math.max(...timed.map((l) => l.p95)),
            p99: Math.max(...timed.map((l) => l.p99)),
          },
        }
      : {}),
    cpuMicrosPerOp: runs.reduce((n, r) => n + r.cpuMicrosPerOp * r.count, 0) / count,
    outcomes,
  };
}

export async function benchConversationCosts(target: BenchTarget, sizes: ConversationCostSizes): Promise<ResultRow[]> {
  const env = await startBenchEnv(target);
  const client = new HttpClient(sizes.concurrency);
  const pool = new pg.Pool({ connectionString: env.stack.database.url, max: 10 });
  pool.on('error', () => undefined);
  try {
    // Every recipient the batches name is a contact with a user id; one in a hundred opted out.
    await pool.query(
      `insert into contacts (id, account_id, number, user_id, opted_out, opted_out_at, opt_out_reason, opt_changed_at, first_seen_at)
       select 'ct_' || lpad(to_hex(g), 26, '0'), $1, '91' || (9000000000 + g), 'IN.' || (7000000000000 + g),
              g % 100 = 0, case when g % 100 = 0 then now() end, case when g % 100 = 0 then 'manual' end,
              case when g % 100 = 0 then now() end, now()
       from generate_series(0, $2::int - 1) g`,
      [env.accountId, sizes.contacts],
    );
    await pool.query('analyze contacts');

    const headers = { authorization: `Bearer ${env.apiKey}` };
    const url = `${env.stack.api.url}/api/whatsapp/v1/send-batch`;
    const perWay = sizes.rounds * sizes.batchesPerRound * sizes.perBatch;
    if (perWay > sizes.contacts) throw new Error(`${perWay} recipients a way, but only ${sizes.contacts} contacts`);
    const runs: Record<Way, RunFigures[]> = { phone: [], marketing: [], userId: [] };
    for (const way of ['phone', 'marketing', 'userId'] as const) {
      await client.post(url, batchBody(way, 0, sizes.perBatch, env.phoneNumbers[0]!), headers); // warm-up
    }
    for (let round = 0; round < sizes.rounds; round++) {
      for (const way of ['phone', 'marketing', 'userId'] as const) {
        const first = round * sizes.batchesPerRound * sizes.perBatch;
        const bodies = Array.from({ length: sizes.batchesPerRound }, (_, b) =>
          batchBody(way, first + b * sizes.perBatch, sizes.perBatch, env.phoneNumbers[b % env.phoneNumbers.length]!),
        );
        runs[way].push(
          await runLanes(
            sizes.batchesPerRound,
            sizes.concurrency,
            async (b) => {
              const answer = await client.post(url, bodies[b]!, headers);
              if (answer.status !== 200) return `HTTP ${answer.status}`;
              const { accepted, rejected } = JSON.parse(answer.body) as { accepted: number; rejected: unknown[] };
              return rejected.length > 0
                ? `accepted ${accepted}, opted out ${rejected.length}`
                : `accepted ${accepted}`;
            },
            sizes.batchesPerRound * sizes.perBatch,
          ),
        );
      }
    }

    // The two lookups alone, through the repositories' own functions, for the batches' 1,000 recipients.
    const lookups = sizes.rounds * sizes.batchesPerRound;
    const numbersOf = (b: number) =>
      Array.from({ length: sizes.perBatch }, (_, i) => recipient(b * sizes.perBatch + i));
    const db = env.stack.api.ctx.db;
    const optOutLookup = await runLanes(lookups, 1, async (b) => {
      const optedOut = await optedOutAmong(db, env.accountId, numbersOf(b));
      return `${optedOut.length} opted out`;
    });
    const userIdLookup = await runLanes(lookups, 1, async (b) => {
      const refs = Array.from({ length: sizes.perBatch }, (_, i) => ({
        accountId: env.accountId,
        address: userIdOf(b * sizes.perBatch + i),
      }));
      const filed = await knownAddresses(db, refs);
      return `${refs.filter((r) => filed(r.accountId, r.address) !== r.address).length} found`;
    });

    // (c) 1,000-row INSERTs, alternating between a copy of messages with every index and one
    // without the conversation index.
    await pool.query('create table bench_with_index (like messages including all)');
    await pool.query('create table bench_without_index (like messages including all)');
    const { rows: dropped } = await pool.query<{ indexname: string }>(
      `select indexname from pg_indexes where tablename = 'bench_without_index' and indexdef like '%(sender_id, recipient, queued_at DESC, id DESC)%'`,
    );
    if (dropped.length !== 1) throw new Error('the conversation index of messages was not found in the copy');
    await pool.query(`drop index ${dropped[0]!.indexname}`);
    const { rows: senders } = await pool.query<{ id: string }>(
      'select id from phone_numbers where meta_phone_number_id = $1',
      [env.phoneNumbers[0]],
    );
    const rowsOf = (i: number) =>
      JSON.stringify(
        Array.from({ length: 1_000 }, (_, k) => {
          const index = i * 1_000 + k;
          const now = new Date();
          return {
            id: newId('msg'),
            account_id: env.accountId,
            sender_id: senders[0]!.id,
            template_id: TEMPLATE.id,
            template_name: TEMPLATE.name,
            template_language: TEMPLATE.language,
            template_category: 'UTILITY',
            kind: 'template',
            recipient: recipient(index % sizes.contacts),
            variables: [],
            components: [],
            status: 'queued',
            price_minor: 10,
            currency: 'INR',
            charge_state: 'held',
            queued_at: now,
            updated_at: now,
            attempts: 0,
            pair_retries: 0,
          };
        }),
      );
    const insertRuns: Record<'with' | 'without', RunFigures[]> = { with: [], without: [] };
    for (let i = 0; i < sizes.inserts; i++) {
      for (const copy of ['with', 'without'] as const) {
        const rows = rowsOf(i);
        insertRuns[copy].push(
          await runLanes(
            1,
            1,
            async () => {
              await pool.query(
                `insert into bench_${copy}_index select * from json_populate_recordset(null::bench_${copy}_index, $1::json)`,
                [rows],
              );
              return 'ok';
            },
            1_000,
          ),
        );
      }
    }

    const marketing = 'send-batch MARKETING (opt-out lookup; coupon template with a button)';
    const byUserId = 'send-batch UTILITY named by user_id: resolved to known numbers';
    const withIndex = 'raw 1,000-row INSERT into messages with the conversation index';
    const note = `${sizes.contacts} contacts, 1 % opted out; ${sizes.rounds} alternating rounds`;
    return [
      { scenario: SCENARIO, what: marketing, unit: 'message', figures: pooled(runs.marketing), note },
      {
        scenario: SCENARIO,
        what: 'send-batch UTILITY by phone_number (no lookup)',
        unit: 'message',
        figures: pooled(runs.phone),
        baselineFor: marketing,
      },
      { scenario: SCENARIO, what: byUserId, unit: 'message', figures: pooled(runs.userId) },
      {
        scenario: SCENARIO,
        what: 'the same, by phone_number',
        unit: 'message',
        figures: pooled(runs.phone),
        baselineFor: byUserId,
      },
      {
        scenario: SCENARIO,
        what: 'the opt-out lookup alone, 1,000 numbers',
        unit: 'lookup',
        figures: optOutLookup,
        note: "per lookup (ms): the share of a batch's p50 above that the lookup itself takes",
      },
      { scenario: SCENARIO, what: 'the user-id lookup alone, 1,000 user ids', unit: 'lookup', figures: userIdLookup },
      { scenario: SCENARIO, what: withIndex, unit: 'row', figures: pooled(insertRuns.with) },
      {
        scenario: SCENARIO,
        what: 'the same INSERT without that index',
        unit: 'row',
        figures: pooled(insertRuns.without),
        baselineFor: withIndex,
      },
    ];
  } finally {
    await pool.end();
    await env.close();
  }
}
