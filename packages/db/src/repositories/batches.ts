import { sql } from 'kysely';
import type { Database } from '../database';
import type { NewBatch } from '../schema/index';

/** Runs inside the accept transaction, so the row commits with its messages or not at all. */
export async function insertBatch(db: Database, batch: NewBatch): Promise<void> {
  await db.insertInto('batches').values(batch).execute();
}

/** A batch of this account, with its sender's Meta phone number id; another account's is not found. */
export async function findBatch(db: Database, accountId: string, id: string) {
  return db
    .selectFrom('batches')
    .innerJoin('phone_numbers', 'phone_numbers.id', 'batches.sender_id')
    .select([
      'batches.id',
      'batches.template_id',
      'batches.template_name',
      'batches.template_language',
      'batches.priority',
      'batches.currency',
      'batches.accepted',
      'batches.rejected',
      'batches.created_at',
      'phone_numbers.meta_phone_number_id',
    ])
    .where('batches.account_id', '=', accountId)
    .where('batches.id', '=', id)
    .executeTakeFirst();
}

export interface BatchTotals {
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  held_minor: number;
  captured_minor: number;
  refunded_minor: number;
  released_minor: number;
  waived_minor: number;
}

/**
 * Counts by public status (`sending` counts as queued) and money by charge state, in one pass
 * over the batch's rows (messages_account_batch_idx).
 */
export async function summariseBatch(db: Database, accountId: string, batchId: string): Promise<BatchTotals> {
  const { rows } = await sql<BatchTotals>`
    select
      count(*) filter (where status in ('queued', 'sending'))::int as queued,
      count(*) filter (where status = 'sent')::int as sent,
      count(*) filter (where status = 'delivered')::int as delivered,
      count(*) filter (where status = 'read')::int as read,
      count(*) filter (where status = 'failed')::int as failed,
      coalesce(sum(price_minor) filter (where charge_state = 'held'), 0)::int8 as held_minor,
      coalesce(sum(price_minor) filter (where charge_state = 'captured'), 0)::int8 as captured_minor,
      coalesce(sum(price_minor) filter (where charge_state = 'refunded'), 0)::int8 as refunded_minor,
      coalesce(sum(price_minor) filter (where charge_state = 'released'), 0)::int8 as released_minor,
      coalesce(sum(price_minor) filter (where charge_state = 'waived'), 0)::int8 as waived_minor
    from messages
    where account_id = ${accountId} and batch_id = ${batchId}`.execute(db);
  return rows[0]!;
}
