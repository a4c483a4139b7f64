import { DakError, formatMinor } from '@dak/core';
import {
  acceptWithHold,
  findWallet,
  lockWalletForAccept,
  saveIdempotentResponse,
  type Database,
  type MessageToAccept,
} from '@dak/db';
import { Counter, type Registry } from 'prom-client';
import type { ApiContext } from '../../context';
import { AcceptCoalescer } from './accept-coalescer';
import { messagingLimitExceeded, recipientsOf } from './messaging-limit';

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
  /** The response to store for the key, built from the accepted messages. */
  response: unknown;
}

export class IdempotencyRaceError extends Error {
  constructor() {
    super('idempotency key taken concurrently');
  }
}

/**
 * The outbox step: the message rows and their wallet hold commit together (one statement), with
 * the idempotency record and `alongside` writes (a batch's row) when there are any (then in one
 * transaction, the hold last so the wallet row stays locked only until the commit). Nothing is
 * enqueued: the worker's dispatcher admits queued rows from Postgres at each number's pace, so
 * an accepted message is never lost, Redis being down does not touch the send path, and no hold
 * exists without its message. Otherwise concurrent requests of one account share the statement
 * (AcceptCoalescer).
 */
export async function acceptMessages(
  ctx: ApiContext,
  accountId: string,
  rows: MessageToAccept[],
  idempotency?: IdempotencyClaim,
  alongside?: (trx: Database) => Promise<void>,
): Promise<void> {
  if (!idempotency && !alongside) return ctx.accepts.accept(accountId, rows);
  await ctx.db.transaction().execute(async (trx) => {
    if (idempotency) {
      const saved = await saveIdempotentResponse(trx, {
        account_id: accountId,
        key: idempotency.key,
        request_hash: idempotency.requestHash,
        status_code: 200,
        response: idempotency.response,
      });
      if (!saved) throw new IdempotencyRaceError();
    }
    await alongside?.(trx);
    await holdAndInsert(trx, accountId, rows);
  });
}

/** The API process's one coalescer: statements and rows counted, so an operator sees how much is shared. */
export function createAcceptCoalescer(db: Database, registry: Registry): AcceptCoalescer {
  const statements = new Counter({
    name: 'dak_api_accept_statements_total',
    help: "Accept statements run (each holds and inserts one or more requests' messages)",
    registers: [registry],
  });
  const accepted = new Counter({
    name: 'dak_api_accepted_messages_total',
    help: 'Messages accepted (committed with their hold)',
    registers: [registry],
  });
  return new AcceptCoalescer(async (accountId, rows) => {
    statements.inc();
    await holdAndInsert(db, accountId, rows);
    accepted.inc(rows.length);
  });
}

/**
 * An unlimited account's rows go in one lock-free statement. A tiered account's first try is
 * refused without a lock (the statement's snapshot could miss a concurrent accept's
 * recipients), and it goes again behind the wallet row's lock, so two requests of one account
 * can never together pass its tier.
 */
async function holdAndInsert(db: Database, accountId: string, rows: MessageToAccept[]): Promise<void> {
  const unlimited = await acceptWithHold(db, accountId, rows, 'unlimited_only');
  if (unlimited.held) return;
  if (unlimited.tier === null) throw await insufficientFunds(db, accountId, rows);
  const withinTier = (trx: Database) => holdWithinTier(trx, accountId, rows, unlimited.tier!);
  await (db.isTransaction ? withinTier(db) : db.transaction().execute(withinTier));
}

async function holdWithinTier(trx: Database, accountId: string, rows: MessageToAccept[], tier: number): Promise<void> {
  await lockWalletForAccept(trx, accountId);
  if ((await acceptWithHold(trx, accountId, rows, 'within_tier')).held) return;
  throw (
    (await messagingLimitExceeded(trx, accountId, recipientsOf(rows), tier)) ??
    (await insufficientFunds(trx, accountId, rows))
  );
}

async function insufficientFunds(db: Database, accountId: string, rows: MessageToAccept[]): Promise<DakError> {
  const wallet = await findWallet(db, accountId);
  const needed = rows.reduce((sum, row) => sum + row.price_minor, 0);
  const available = formatMinor(wallet?.available ?? 0);
  const currency = wallet ? ` ${wallet.currency}` : '';
  const details = {
    required: formatMinor(needed),
    available,
    debt: formatMinor(wallet?.debt ?? 0),
    currency: wallet?.currency,
  };
  if (wallet && wallet.debt > 0) {
    return new DakError(
      'insufficient_funds',
      `The wallet owes ${formatMinor(wallet.debt)}${currency} (deliveries Meta reported after their credit was returned), so new sends are refused until a top-up covers it. Top up at least ${formatMinor(wallet.debt + needed)}${currency} and retry.`,
      details,
    );
  }
  return new DakError(
    'insufficient_funds',
    `Not enough credit: this needs ${formatMinor(needed)}${currency} but ${available} is available. Top up the wallet and retry.`,
    details,
  );
}
