import { InsufficientFundsError, formatMinor } from '@dak/core';
import { holdForMessages, insertMessages, saveIdempotentResponse, findWallet, type NewMessage } from '@dak/db';
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
 * The outbox step: message rows, their wallet hold and the idempotency record commit in one
 * transaction; only then are the jobs enqueued. If Redis is down at that moment the rows stay
 * `queued` and the sweeper enqueues them later, so an accepted message is never lost and no
 * hold exists without its message.
 */
export async function acceptMessages(
  ctx: ApiContext,
  accountId: string,
  rows: NewMessage[],
  idempotency?: IdempotencyClaim,
): Promise<void> {
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
    await insertMessages(trx, rows);
    const held = await holdForMessages(
      trx,
      accountId,
      rows.map((row) => ({ messageId: row.id, amountMinor: Number(row.price_minor) })),
    );
    if (!held) {
      const wallet = await findWallet(trx, accountId);
      const needed = rows.reduce((sum, row) => sum + Number(row.price_minor), 0);
      throw new InsufficientFundsError(
        `Not enough credit: this needs ${formatMinor(needed)} ${wallet?.currency ?? ''} but ${formatMinor(wallet?.available ?? 0)} is available. Top up the wallet and retry.`.replace('  ', ' '),
        { required: formatMinor(needed), available: formatMinor(wallet?.available ?? 0), currency: wallet?.currency },
      );
    }
  });
  try {
    await enqueueSends(ctx.queues.send, rows.map((row) => ({ id: row.id, phone_number_id: row.phone_number_id })));
  } catch (error) {
    ctx.logger.warn({ err: error, count: rows.length }, 'enqueue failed after commit; the sweeper will enqueue these messages');
  }
}
