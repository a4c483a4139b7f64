import { sql, type RawBuilder } from 'kysely';
import { isUserId, newId } from '@dak/core';
import type { Database } from '../database';
import type { Contact, OptOutReason } from '../schema/index';

/** An opt change: out (with why, and the keyword for a STOP reply) or back in. */
export type OptSetting = { optedOut: true; reason: OptOutReason; keyword: string | null } | { optedOut: false };

/** What one event says about a contact: it wrote (inbound), or its opt state changed, at `at`. */
export interface ContactSighting {
  accountId: string;
  number: string;
  /** Meta's time of the event (the inbound message's, the failure's), or now for a change by hand. */
  at: Date;
  inbound: boolean;
  profileName?: string | null | undefined;
  userId?: string | null | undefined;
  opt?: OptSetting | undefined;
}

/** Meta's 131050 (the user stopped marketing) for a recipient: an opt-out at Meta's time of it. */
export function metaOptOutOf(accountId: string, recipient: string, at: Date): ContactSighting {
  return {
    accountId,
    number: recipient,
    at,
    inbound: false,
    opt: { optedOut: true, reason: 'meta_131050', keyword: null },
  };
}

/** Several sightings of one contact as one row: the latest name and opt change win. */
function merge(a: ContactSighting, b: ContactSighting): ContactSighting {
  const [older, newer] = a.at <= b.at ? [a, b] : [b, a];
  const latestOpt = [older, newer].filter((s) => s.opt).at(-1);
  return {
    ...newer,
    inbound: a.inbound || b.inbound,
    profileName: newer.profileName ?? older.profileName,
    userId: newer.userId ?? older.userId,
    opt: latestOpt?.opt,
    at: newer.at,
  };
}

/**
 * Records sightings in one statement: a new contact is inserted, a known one gets the latest
 * profile name and user id, its first and last inbound time widened, and an opt change only
 * when it is not older than the one recorded (webhooks arrive out of order). Rows go in key order
 * so two appliers recording the same contacts lock them in one order and never deadlock.
 */
export async function recordContacts(db: Database, sightings: readonly ContactSighting[]): Promise<void> {
  const byKey = new Map<string, ContactSighting & { firstAt: Date; lastInboundAt: Date | null }>();
  for (const s of sightings) {
    const key = `${s.accountId}\u0000${s.number}`;
    const known = byKey.get(key);
    const inboundAt = s.inbound ? s.at : null;
    if (!known) {
      byKey.set(key, { ...s, firstAt: s.at, lastInboundAt: inboundAt });
      continue;
    }
    byKey.set(key, {
      ...merge(known, s),
      firstAt: known.firstAt < s.at ? known.firstAt : s.at,
      lastInboundAt:
        !inboundAt || (known.lastInboundAt && known.lastInboundAt >= inboundAt) ? known.lastInboundAt : inboundAt,
    });
  }
  if (byKey.size === 0) return;
  const rows = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => ({
      id: newId('ct'),
      account_id: s.accountId,
      number: s.number,
      profile_name: s.profileName ?? null,
      user_id: s.userId ?? null,
      first_seen_at: s.firstAt,
      last_inbound_at: s.lastInboundAt,
      opted_out: s.opt?.optedOut ?? false,
      opted_out_at: s.opt?.optedOut ? s.at : null,
      opt_out_reason: s.opt?.optedOut ? s.opt.reason : null,
      opt_out_keyword: s.opt?.optedOut ? s.opt.keyword : null,
      opt_changed_at: s.opt ? s.at : null,
    }));
  // An opt column takes the new value only when this row carries an opt change no older than the
  // recorded one. Meta's times are whole seconds: a STOP and a START in one second go by arrival.
  const newerOpt = sql`excluded.opt_changed_at is not null and (contacts.opt_changed_at is null or excluded.opt_changed_at >= contacts.opt_changed_at)`;
  const opt = <T>(column: string) =>
    sql<T>`case when ${newerOpt} then excluded.${sql.ref(column)} else contacts.${sql.ref(column)} end`;
  const newerInbound = sql`excluded.last_inbound_at is not null and (contacts.last_inbound_at is null or excluded.last_inbound_at >= contacts.last_inbound_at)`;
  await db
    .insertInto('contacts')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['account_id', 'number']).doUpdateSet({
        profile_name: sql`case when ${newerInbound} and excluded.profile_name is not null then excluded.profile_name else contacts.profile_name end`,
        user_id: sql`coalesce(excluded.user_id, contacts.user_id)`,
        first_seen_at: sql`least(contacts.first_seen_at, excluded.first_seen_at)`,
        last_inbound_at: sql`greatest(contacts.last_inbound_at, excluded.last_inbound_at)`,
        opted_out: opt<boolean>('opted_out'),
        opted_out_at: opt<Date | null>('opted_out_at'),
        opt_out_reason: opt<OptOutReason | null>('opt_out_reason'),
        opt_out_keyword: opt<string | null>('opt_out_keyword'),
        opt_changed_at: opt<Date | null>('opt_changed_at'),
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

export type OptedOutContact = Pick<Contact, 'number' | 'opted_out_at' | 'opt_out_reason' | 'opt_out_keyword'>;

/**
 * Which of these addresses have opted out of the account's marketing: one statement on the
 * unique index. A customer can have two contacts: one under their user id (they wrote, or were
 * opted out by Meta's 131050, while Meta showed no number) and one under their number (a later
 * message showed both; sends by either resolve to it). Their opt state is the latest opt change
 * of the two, so a STOP given under the user id still holds once they are known by number, and a
 * START given later under the number undoes it.
 */
export async function optedOutAmong(
  db: Database,
  accountId: string,
  addresses: readonly string[],
): Promise<OptedOutContact[]> {
  if (addresses.length === 0) return [];
  const latest = await db
    .selectFrom('contacts as c')
    .innerJoin('contacts as o', (join) =>
      join
        .onRef('o.account_id', '=', 'c.account_id')
        // The contact itself and the one under its user id: two probes of the unique index.
        .on(sql<boolean>`o.number = any(array[c.number, c.user_id])`),
    )
    .distinctOn('c.number')
    .select(['c.number', 'o.opted_out', 'o.opted_out_at', 'o.opt_out_reason', 'o.opt_out_keyword'])
    .where('c.account_id', '=', accountId)
    // One array parameter, not one per address: a 10,000-item batch is one bind, not 10,000.
    .where('c.number', '=', sql<string>`any(${[...new Set(addresses)]}::text[])`)
    .orderBy('c.number')
    // Meta's times are whole seconds: a tie goes to the row written last, as recordContacts does.
    .orderBy(sql`o.opt_changed_at desc nulls last, o.updated_at desc`)
    .execute();
  return latest.filter((row) => row.opted_out).map(({ opted_out: _, ...contact }) => contact);
}

/** Who a send names or a message came from, within an account: a number, or a user id. */
export interface AddressRef {
  accountId: string;
  address: string;
}

/**
 * Which of a user id's contacts is the customer now: one known by number before one known only
 * by the user id, then the one that wrote last, then the one written last. Meta's user id
 * outlives a change of number, so two numbered contacts can carry one user id; the current one
 * gets the sends by user id and the user-id thread (conversations.ts). Column names unqualified:
 * it orders rows of `contacts`.
 */
const CURRENT_FIRST = sql`(number ~ '^[0-9]') desc, last_inbound_at desc nulls last, updated_at desc, id desc`;

/** The number of the customer `userId` of the account now (see CURRENT_FIRST), or null when none is known. */
export const currentNumberOf = (accountId: RawBuilder<unknown>, userId: RawBuilder<unknown>) =>
  sql<string | null>`(select number from contacts
    where account_id = ${accountId} and user_id = ${userId} and number ~ '^[0-9]'
    order by ${CURRENT_FIRST} limit 1)`;

/**
 * Where each of these addresses is filed: a user id that a contact of the account also shows
 * with a number goes to that number (a message showed both; the current one when the customer
 * changed number), so one customer keeps one contact, conversation, window and opt-out whichever
 * way they are named; every other address stays as it is. Answers the mapping as a function. One
 * statement on the (account, user id) index, and none when no address is a user id (the send
 * and webhook paths pay nothing for numbers).
 */
export async function knownAddresses(
  db: Database,
  refs: readonly AddressRef[],
): Promise<(accountId: string, address: string) => string> {
  const users = refs.filter((r) => isUserId(r.address));
  if (users.length === 0) return (_, address) => address;
  const key = (accountId: string, userId: string) => `${accountId}\u0000${userId}`;
  const wanted = new Set(users.map((u) => key(u.accountId, u.address)));
  // Two array parameters (a batch is one bind, not one per user). Matching each account to each
  // user id may find a pair nobody asked for; it is dropped below (there is almost always one account).
  const { rows } = await sql<{ account_id: string; user_id: string; number: string }>`
    select distinct on (account_id, user_id) account_id, user_id, number from contacts
    where account_id = any(${[...new Set(users.map((u) => u.accountId))]}::text[])
      and user_id = any(${[...new Set(users.map((u) => u.address))]}::text[])
    order by account_id, user_id, ${CURRENT_FIRST}`.execute(db);
  const found = new Map<string, string>();
  for (const row of rows) {
    const k = key(row.account_id, row.user_id);
    if (wanted.has(k)) found.set(k, row.number);
  }
  return (accountId, address) => found.get(key(accountId, address)) ?? address;
}

export async function findContact(db: Database, accountId: string, id: string): Promise<Contact | undefined> {
  return db
    .selectFrom('contacts')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface ContactFilters {
  optedOut?: boolean | undefined;
  tag?: string | undefined;
  number?: string | undefined;
  userId?: string | undefined;
}

/** A page of the account's contacts, newest first, before the id `before`. */
export async function listContacts(
  db: Database,
  accountId: string,
  filters: ContactFilters,
  page: { before?: string | undefined; limit: number },
): Promise<Contact[]> {
  let query = db.selectFrom('contacts').selectAll().where('account_id', '=', accountId);
  if (filters.optedOut !== undefined) query = query.where('opted_out', '=', filters.optedOut);
  if (filters.tag !== undefined) query = query.where('tags', '@>', sql<string[]>`array[${filters.tag}]::text[]`);
  if (filters.number !== undefined) query = query.where('number', '=', filters.number);
  if (filters.userId !== undefined) query = query.where('user_id', '=', filters.userId);
  if (page.before) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').limit(page.limit).execute();
}

export interface ContactChanges {
  tags?: string[] | undefined;
  /** Merged into the attributes; a key set to null is removed. */
  attributes?: Record<string, unknown> | undefined;
  /** A change by hand (reason `manual`), at `at`. */
  optedOut?: boolean | undefined;
}

/** Applies an account's changes to its contact; undefined when it has no such contact. */
export async function updateContact(
  db: Database,
  accountId: string,
  id: string,
  changes: ContactChanges,
  at = new Date(),
): Promise<Contact | undefined> {
  const { optedOut } = changes;
  return db
    .updateTable('contacts')
    .set({
      ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
      ...(changes.attributes !== undefined
        ? { attributes: sql`jsonb_strip_nulls(attributes || ${JSON.stringify(changes.attributes)}::jsonb)` }
        : {}),
      ...(optedOut !== undefined
        ? {
            opted_out: optedOut,
            opted_out_at: optedOut ? sql`case when opted_out then opted_out_at else ${at} end` : null,
            opt_out_reason: optedOut ? sql`case when opted_out then opt_out_reason else 'manual' end` : null,
            opt_out_keyword: optedOut ? sql`case when opted_out then opt_out_keyword else null end` : null,
            opt_changed_at: at,
          }
        : {}),
      updated_at: sql`now()`,
    })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
