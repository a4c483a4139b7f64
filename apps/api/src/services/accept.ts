import { InsufficientFundsError, formatMinor } from '@dak/core';
import { findWallet, insertMessagesWithHold, saveIdempotentResponse, type Database, type MessageToAccept } from '@dak/db';
import { enqueueSends } from '@dak/queue';
import type { ApiContext } from '../context';

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
 * transaction, the hold last so the wallet row stays locked only until the commit); only then
 * are the jobs enqueued. If Redis is down at that moment the rows stay `queued` and the sweeper
 * enqueues them later, so an accepted message is never lost and no hold exists without its message.
 */
export async function acceptMessages(
  ctx: ApiContext,
  accountId: string,
  rows: MessageToAccept[],
  idempotency?: IdempotencyClaim,
  alongside?: (trx: Database) => Promise<void>,
): Promise<void> {
  const accept = async (db: Database) => {
    if (!(await insertMessagesWithHold(db, accountId, rows))) throw await insufficientFunds(db, accountId, rows);
  };
  if (idempotency || alongside) {
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
      await accept(trx);
    });
  } else {
    await accept(ctx.db);
  }
  try {
    await enqueueSends(ctx.queues.send, rows.map((row) => ({ id: row.id, phone_number_id: row.phone_number_id })));
  } catch (error) {
    ctx.logger.warn({ err: error, count: rows.length }, 'enqueue failed after commit; the sweeper will enqueue these messages');
  }
}

async function insufficientFunds(db: Database, accountId: string, rows: MessageToAccept[]): Promise<InsufficientFundsError> {
  const wallet = await findWallet(db, accountId);
  const needed = rows.reduce((sum, row) => sum + row.price_minor, 0);
  const available = formatMinor(wallet?.available ?? 0);
  const currency = wallet ? ` ${wallet.currency}` : '';
  const details = { required: formatMinor(needed), available, debt: formatMinor(wallet?.debt ?? 0), currency: wallet?.currency };
  if (wallet && wallet.debt > 0) {
    return new InsufficientFundsError(
      `The wallet owes ${formatMinor(wallet.debt)}${currency} (deliveries Meta reported after their credit was returned), so new sends are refused until a top-up covers it. Top up at least ${formatMinor(wallet.debt + needed)}${currency} and retry.`,
      details,
    );
  }
  return new InsufficientFundsError(
    `Not enough credit: this needs ${formatMinor(needed)}${currency} but ${available} is available. Top up the wallet and retry.`,
    details,
  );
}
