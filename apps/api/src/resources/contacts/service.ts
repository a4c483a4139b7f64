import type { z } from 'zod';
import { DakError, normalizeRecipient } from '@dak/core';
import { findContact, listContacts as listContactRows, updateContact as updateContactRow, type Contact } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { presentContact } from './presenter';
import type { contactListQuerySchema, contactListSchema, UpdateContactRequest } from './schema';

function notFound(id: string): DakError {
  return new DakError(
    'contact_not_found',
    `No contact "${id}". GET /api/whatsapp/v1/contacts lists your contacts (filter by number with ?number=).`,
  );
}

export async function requireContact(ctx: ApiContext, principal: Principal, id: string): Promise<Contact> {
  const contact = await findContact(ctx.db, principal.accountId, id);
  if (!contact) throw notFound(id);
  return contact;
}

export async function updateContact(ctx: ApiContext, principal: Principal, id: string, body: UpdateContactRequest) {
  const updated = await updateContactRow(ctx.db, principal.accountId, id, {
    tags: body.tags,
    attributes: body.attributes,
    optedOut: body.opted_out,
  });
  if (!updated) throw notFound(id);
  return presentContact(updated);
}

/** The cursor is the last id of the page, opaque to callers. */
const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

function invalidQuery(path: string, message: string, fix: string): DakError {
  return new DakError('invalid_request', `Invalid query: ${path}: ${fix}`, { issues: [{ path, message }] });
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^ct_[0-9a-z]{26}$/.test(id)) {
    throw invalidQuery(
      'cursor',
      'not a cursor this endpoint gave',
      'pass the next_cursor of the previous page as it is.',
    );
  }
  return id;
}

export async function listContacts(
  ctx: ApiContext,
  principal: Principal,
  query: z.output<typeof contactListQuerySchema>,
): Promise<z.infer<typeof contactListSchema>> {
  let number: string | undefined;
  if (query.number !== undefined) {
    number = normalizeRecipient(query.number) ?? undefined;
    if (!number) {
      throw invalidQuery(
        'number',
        'not a plausible phone number',
        'give digits with the country code, e.g. 919820388810.',
      );
    }
  }
  const before = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await listContactRows(
    ctx.db,
    principal.accountId,
    { optedOut: query.opted_out, tag: query.tag, number },
    { before, limit: query.limit + 1 },
  );
  const page = rows.slice(0, query.limit);
  return {
    contacts: page.map(presentContact),
    next_cursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}
