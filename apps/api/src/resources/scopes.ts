import type { ErrorCode } from '@dak/core';
import type { ApiContext } from '../context';
import { accountPrincipal, type Principal } from '../http/auth';
import type { Auth } from '../http/route';
import { z } from '../openapi/zod';
import { accountParams } from './accounts/schema';
import { requireAccount } from './accounts/service';

/**
 * Where a resource's routes live: the public API acts for the key's account (`/callbacks…`), the
 * admin API for the account in the path (`/accounts/:id/callbacks…`). A resource writes its
 * routes once as a function of the scope and is served on both (routes/index.ts); the routes,
 * their documentation and the service are the same.
 */
export interface Scope {
  auth: Auth;
  /** The path and parameters of a collection, e.g. `/contacts` or `/accounts/:id/contacts`. */
  collection(path: string): { path: string; params?: typeof accountParams };
  /** The operationId of each route: `createCallback` or `createAccountCallback`. */
  operation(verb: string, noun: string): string;
  /**
   * The path and parameters of one item. The public API may name it `:id`; on the admin API
   * `:id` is the account, so the item is always `:<adminName>` there (`/accounts/:id/contacts/:contactId`).
   */
  item(spec: ItemSpec): ScopedItem;
  /** Who is acting: the key, or the whole account for the operator; the admin API answers 404 for an unknown account. */
  principalOf(input: { ctx: ApiContext; params: unknown; principal: Principal | undefined }): Promise<Principal>;
  errors: ErrorCode[];
}

interface ItemSpec {
  /** The collection's path, e.g. `/contacts`. */
  collection: string;
  publicName: string;
  adminName: string;
  /** The id's schema, with its description and example. */
  param: z.ZodString;
}

interface ScopedItem {
  path: string;
  params: z.ZodObject<Record<string, z.ZodString>>;
  /** The item's id from the parsed parameters. */
  idOf(params: unknown): string;
}

function scopedItem(prefix: string, name: string, spec: ItemSpec, withAccount: boolean): ScopedItem {
  return {
    path: `${prefix}${spec.collection}/:${name}`,
    params: z.object({ ...(withAccount ? accountParams.shape : {}), [name]: spec.param }),
    idOf: (params) => (params as Record<string, string>)[name]!,
  };
}

const ADMIN_PREFIX = '/accounts/:id';

export const publicScope: Scope = {
  auth: 'api_key',
  collection: (path) => ({ path }),
  operation: (verb, noun) => `${verb}${noun}`,
  item: (spec) => scopedItem('', spec.publicName, spec, false),
  principalOf: async ({ principal }) => principal!,
  errors: [],
};

export const adminScope: Scope = {
  auth: 'admin',
  collection: (path) => ({ path: `${ADMIN_PREFIX}${path}`, params: accountParams }),
  operation: (verb, noun) => `${verb}Account${noun}`,
  item: (spec) => scopedItem(ADMIN_PREFIX, spec.adminName, spec, true),
  principalOf: async ({ ctx, params }) =>
    accountPrincipal(await requireAccount(ctx, (params as { id: string }).id), 'admin'),
  errors: ['account_not_found'],
};
