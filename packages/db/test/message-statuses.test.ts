import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { STATUS_RANK, statusChangesOf, type MessageError } from '@dak/core';
import {
  applyReportedStatus,
  applyReportedStatuses,
  claimMessage,
  findMessage,
  insertMessagesWithHold,
  recordAccepted,
  recordFailedBeforeMeta,
  type Message,
  type ReportedStatus,
  type StatusReport,
} from '@dak/db';
import { messageToAccept, seedWalletAccount, useTestDatabase, type WalletAccount } from '@dak/dev-env';

// Statuses as the worker and the webhook applier record them, in every order they can arrive:
// the status only moves forward (queued < sent < failed < delivered < read), each timestamp
// keeps the earliest report, and a report fills in what it implies.
describe('message statuses', () => {
  const database = useTestDatabase();
  const db = () => database.db;
  const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, second));
  const metaError: MessageError = { code: 131026, title: 'Message undeliverable', source: 'meta' };

  async function accepted(owner: WalletAccount, count = 1) {
    const messages = Array.from({ length: count }, () => messageToAccept(owner));
    expect(await insertMessagesWithHold(db(), owner.accountId, messages)).toBe(true);
    return messages.map((m) => m.id);
  }
  const wamid = () => `wamid.${randomBytes(8).toString('hex')}`;
  const report = (id: string, status: ReportedStatus, second: number, w: string | null = null) =>
    applyReportedStatus(db(), id, { status, wamid: w, at: at(second), error: status === 'failed' ? metaError : null });

  it("keeps the latest pricing Meta reported, in the batch's order and across batches; a report without one keeps it", async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [a, b] = await accepted(owner, 2);
    const pricing = (type: string) => ({
      pricing_model: 'PMP',
      category: 'utility',
      type,
      billable: type === 'regular',
    });
    const settled = await applyReportedStatuses(db(), [
      { id: a!, status: 'delivered', wamid: null, at: at(2), error: null, pricing: pricing('regular') },
      { id: a!, status: 'sent', wamid: null, at: at(1), error: null, pricing: pricing('free_customer_service') },
      { id: a!, status: 'read', wamid: null, at: at(3), error: null, pricing: null },
      { id: b!, status: 'sent', wamid: null, at: at(1), error: null },
    ]);
    const byId = new Map(settled.map((m) => [m.id, m]));
    // The last report carrying one wins, whatever its status.
    expect(byId.get(a!)?.meta_pricing).toEqual(pricing('free_customer_service'));
    expect(byId.get(b!)?.meta_pricing).toBeNull();
    await applyReportedStatuses(db(), [
      { id: a!, status: 'read', wamid: null, at: at(4), error: null },
      { id: b!, status: 'delivered', wamid: null, at: at(2), error: null, pricing: pricing('regular') },
    ]);
    expect((await findMessage(db(), owner.accountId, a!))?.meta_pricing).toEqual(pricing('free_customer_service'));
    expect((await findMessage(db(), owner.accountId, b!))?.meta_pricing).toEqual(pricing('regular'));
  });

  it('whatever order two reports arrive in, the message ends at the further one', async () => {
    const owner = await seedWalletAccount(db(), 1_000);
    const order: ReportedStatus[] = ['sent', 'failed', 'delivered', 'read'];
    const pairs = order.flatMap((first) => order.map((second) => [first, second] as const));
    const ids = await accepted(owner, pairs.length);
    for (const [i, [first, second]] of pairs.entries()) {
      await report(ids[i]!, first, 1);
      const message = await report(ids[i]!, second, 2);
      const further = order[Math.max(order.indexOf(first), order.indexOf(second))];
      expect(message?.status, `${first} then ${second}`).toBe(further);
    }
  });

  it('a read that overtakes its delivered implies it; the late delivered, earlier, then wins', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [id] = await accepted(owner);
    const w = wamid();
    expect(await claimMessage(db(), id!, at(0))).toMatchObject({ status: 'sending', attempts: 0 });
    expect(await recordAccepted(db(), id!, w, at(1))).toMatchObject({
      status: 'sent',
      wamid: w,
      sent_at: at(1),
      claimed_at: null,
    });

    expect(await report(id!, 'read', 30, w)).toMatchObject({
      status: 'read',
      sent_at: at(1),
      delivered_at: at(30),
      read_at: at(30),
    });
    expect(await report(id!, 'delivered', 20, w)).toMatchObject({
      status: 'read',
      delivered_at: at(20),
      read_at: at(30),
    });
    // A duplicate, later delivered changes nothing; Meta's sent never replaces the worker's record.
    expect(await report(id!, 'delivered', 25, w)).toMatchObject({ status: 'read', delivered_at: at(20) });
    expect(await report(id!, 'sent', 0, w)).toMatchObject({ status: 'read', sent_at: at(1) });
    // A failure after the read neither moves the status back nor records an error.
    expect(await report(id!, 'failed', 40, w)).toMatchObject({
      status: 'read',
      error: null,
      sent_at: at(1),
      delivered_at: at(20),
      read_at: at(30),
    });
  });

  it("a status that beats the worker's record of Meta's answer: the worker does not move it back", async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [id] = await accepted(owner);
    const w = wamid();
    await claimMessage(db(), id!, at(0));
    // Meta's delivered (matched by callback data) arrives while the worker still waits for Meta's 200.
    expect(await report(id!, 'delivered', 5, w)).toMatchObject({
      status: 'delivered',
      wamid: w,
      sent_at: at(5),
      delivered_at: at(5),
      claimed_at: null,
    });
    expect(await recordAccepted(db(), id!, w, at(6))).toMatchObject({
      status: 'delivered',
      sent_at: at(5),
      delivered_at: at(5),
    });
    // A claim only takes a queued message: the delivered one is never sent again.
    expect(await claimMessage(db(), id!, at(7))).toBeUndefined();
  });

  it('a failure Meta reported stays when the worker records its answer afterwards', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [id] = await accepted(owner);
    const w = wamid();
    await claimMessage(db(), id!, at(0));
    expect(await report(id!, 'failed', 3, w)).toMatchObject({ status: 'failed', failed_at: at(3), error: metaError });
    expect(await recordAccepted(db(), id!, w, at(4))).toMatchObject({
      status: 'failed',
      sent_at: at(4),
      error: metaError,
    });
    // Then delivered after all: it moves on past failed.
    expect(await report(id!, 'delivered', 9, w)).toMatchObject({
      status: 'delivered',
      delivered_at: at(9),
      failed_at: at(3),
    });
  });

  it('the wamid is learnt once: a later report cannot change it', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [id] = await accepted(owner);
    const [first, second] = [wamid(), wamid()];
    expect(await report(id!, 'sent', 1, first)).toMatchObject({ wamid: first });
    expect(await report(id!, 'delivered', 2, second)).toMatchObject({ wamid: first, status: 'delivered' });
  });

  it('a batch of reports ends where the same reports one by one do, in every order and from sent or queued', async () => {
    const owner = await seedWalletAccount(db(), 10_000);
    const order: ReportedStatus[] = ['sent', 'failed', 'delivered', 'read'];
    const sequences: ReportedStatus[][] = [[]];
    for (let length = 0; length < 3; length++)
      for (const sequence of sequences.filter((q) => q.length === length))
        for (const status of order) sequences.push([...sequence, status]);
    const cases = sequences.slice(1).flatMap((sequence) => [0, 1].map((sentFirst) => ({ sequence, sentFirst })));
    const ids = await accepted(owner, cases.length * 2);
    // Each report: a time that jumps back and forth, a wamid on every other one, and an error
    // of its own when it is a failure, so which report wins each field shows.
    const reportsFor = (id: string, sequence: ReportedStatus[], tag: string): StatusReport[] =>
      sequence.map((status, i) => ({
        id,
        status,
        at: at([20, 5, 12][i]!),
        wamid: i % 2 === 1 ? `wamid.${tag}-${i}` : null,
        error: status === 'failed' ? { ...metaError, code: 131000 + i } : null,
      }));
    // What a report may change; the wamid without the message's own tag.
    const comparable = (m: Message | undefined, tag: string) => {
      const { status, wamid, sent_at, delivered_at, read_at, failed_at, error, claimed_at } = m!;
      return { status, wamid: wamid?.replace(tag, ''), sent_at, delivered_at, read_at, failed_at, error, claimed_at };
    };
    const batch: StatusReport[] = [];
    const oneByOne: Message[] = [];
    for (const [i, { sequence, sentFirst }] of cases.entries()) {
      const [single, batched] = [ids[2 * i]!, ids[2 * i + 1]!];
      for (const id of sentFirst ? [single, batched] : []) await recordAccepted(db(), id, `wamid.${id}`, at(10));
      let last: Message | undefined;
      for (const report of reportsFor(single, sequence, single)) last = await applyReportedStatus(db(), single, report);
      oneByOne.push(last!);
      batch.push(...reportsFor(batched, sequence, batched));
    }
    const applied = new Map((await applyReportedStatuses(db(), batch)).map((m) => [m.id, m]));
    for (const [i, { sequence, sentFirst }] of cases.entries()) {
      const [single, batched] = [ids[2 * i]!, ids[2 * i + 1]!];
      expect(
        comparable(applied.get(batched), batched),
        `${sentFirst ? 'sent, then ' : ''}${sequence.join(', ')}`,
      ).toEqual(comparable(oneByOne[i], single));
    }
  });

  it('a failure before Meta took it applies only from the statuses named', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [queued, sent] = await accepted(owner, 2);
    const dakError: MessageError = { code: 'expired', title: 'Not sent before expires_in ran out', source: 'dak' };
    await report(sent!, 'sent', 1, wamid());
    expect(await recordFailedBeforeMeta(db(), sent!, dakError, ['queued', 'sending'], at(2))).toBeUndefined();
    expect(await findMessage(db(), owner.accountId, sent!)).toMatchObject({
      status: 'sent',
      error: null,
      failed_at: null,
    });
    expect(await recordFailedBeforeMeta(db(), queued!, dakError, ['queued', 'sending'], at(2))).toMatchObject({
      status: 'failed',
      error: dakError,
      failed_at: at(2),
    });
  });
  it("code's STATUS_RANK is dak_status_rank's order", async () => {
    for (const [status, rank] of Object.entries(STATUS_RANK)) {
      const { rows } = await sql<{ rank: number }>`select dak_status_rank(${status}) as rank`.execute(db());
      expect([status, rows[0]!.rank]).toEqual([status, rank]);
    }
  });

  it('statusChangesOf: each report that raises its message is one change, in order, as the guarded UPDATE applies them', () => {
    const before = new Map([
      ['a', 'sending'],
      ['b', 'delivered'],
    ]);
    const reports = [
      { id: 'a', status: 'delivered' },
      { id: 'b', status: 'sent' },
      { id: 'a', status: 'sent' },
      { id: 'a', status: 'read' },
      { id: 'b', status: 'read' },
      { id: 'c', status: 'read' },
    ];
    expect(statusChangesOf(before, reports)).toEqual([
      { id: 'a', previous: 'sending', status: 'delivered' },
      { id: 'a', previous: 'delivered', status: 'read' },
      { id: 'b', previous: 'delivered', status: 'read' },
    ]);
  });
});
