import type { z } from 'zod';
import { DakError, normalizeRecipient, normalizeUserId } from '@dak/core';
import { findContact, listContacts as listContactRows, updateContact as updateContactRow, type Contact } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { presentContact } from './presenter';
import type { contactListQuerySchema, contactListSchema, UpdateContactRequest } from './schema';
import { idPage } from '../requests';

function notFound(id: string): DakError {
  return new DakError(
    'contact_not_found',
    `No contact "${id}" in this account. GET /contacts lists them (filter by number with ?number=).`,
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

function invalidQuery(path: string, message: string, fix: string): DakError {
  return new DakError('invalid_request', `Invalid query: ${path}: ${fix}`, { issues: [{ path, message }] });
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
  let userId: string | undefined;
  if (query.user_id !== undefined) {
    userId = normalizeUserId(query.user_id) ?? undefined;
    if (!userId) {
      throw invalidQuery(
        'user_id',
        'not a business-scoped user id',
        'give it as Meta sends it: a two-letter country code, a period, then letters and digits (e.g. US.13491208655302741918).',
      );
    }
  }
  const rows = await listContactRows(
    ctx.db,
    principal.accountId,
    { optedOut: query.opted_out, tag: query.tag, number, userId },
    { before: query.cursor, limit: query.limit + 1 },
  );
  const { page, nextCursor } = idPage(rows, query.limit);
  return { contacts: page.map(presentContact), next_cursor: nextCursor };
}
