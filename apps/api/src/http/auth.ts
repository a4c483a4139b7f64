import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DakError, hashApiKey, safeEqual } from '@dak/core';
import { findActiveApiKeyByHash, touchApiKey, type Account, type ActiveApiKey } from '@dak/db';
import type { ApiContext } from '../context';

/** Who is calling: the key's account, and the phone numbers the key may use (null = all). */
export interface Principal {
  keyId: string;
  accountId: string;
  /** Meta's ids of the numbers the key may send from (null = all). */
  metaPhoneNumberIds: string[] | null;
  /** The key's own request rate limit. */
  requestsPerSecond: number;
  /** The account's currency, prices and request rate limit (null: none), read with the key. */
  account: ActiveApiKey['account'];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const TOUCH_INTERVAL_MS = 60_000;

/**
 * A refused request's body is never read. Node would still read and discard what is left of it
 * to keep the connection alive; closing the connection after the 401 spares that too, so a
 * flood of large anonymous bodies costs the API almost nothing.
 */
function refuseUnread(req: Request, res: Response, error: DakError): never {
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined)
    res.setHeader('Connection', 'close');
  throw error;
}

export function requireApiKey(ctx: ApiContext): RequestHandler {
  // When this process last wrote each key's last_used_at (the cached row keeps the old value).
  const touched = new Map<string, number>();
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req);
    if (!token) {
      refuseUnread(
        req,
        res,
        new DakError('missing_api_key', 'Missing API key. Send it as `Authorization: Bearer <your API key>`.'),
      );
    }
    const hash = hashApiKey(token);
    // Cached: a revoked key, or a change of the account's prices or limits, drops it at once (ctx.cache).
    const key = await ctx.cache.apiKeys.get(hash, () => findActiveApiKeyByHash(ctx.db, hash));
    if (!key || (key.expires_at && key.expires_at.getTime() <= Date.now())) {
      refuseUnread(
        req,
        res,
        new DakError(
          'invalid_api_key',
          'The API key is not valid: it is unknown, revoked or expired. Create a new key and retry.',
        ),
      );
    }
    // last_used_at is a hint for operators, not an audit log: write it at most once a minute.
    const lastTouched = Math.max(touched.get(key.id) ?? 0, key.last_used_at?.getTime() ?? 0);
    if (Date.now() - lastTouched > TOUCH_INTERVAL_MS) {
      touched.set(key.id, Date.now());
      touchApiKey(ctx.db, key.id).catch((error) => ctx.logger.warn({ err: error }, 'could not record key use'));
    }
    req.principal = {
      keyId: key.id,
      accountId: key.account_id,
      metaPhoneNumberIds: key.meta_phone_number_ids,
      requestsPerSecond: key.requests_per_second,
      account: key.account,
    };
    next();
  };
}

/**
 * Acting for a whole account rather than through one of its keys (an automation's hook, the
 * operator's admin API): every number of the account, its own prices, no key rate limit.
 */
export function accountPrincipal(account: Account, actor: string): Principal {
  return {
    keyId: actor,
    accountId: account.id,
    metaPhoneNumberIds: null,
    requestsPerSecond: 0,
    account: {
      currency: account.currency,
      price_minor: account.price_minor,
      category_prices: account.category_prices,
      session_price_minor: account.session_price_minor,
      requests_per_second: account.requests_per_second,
    },
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new DakError('missing_api_key', 'Missing API key.');
  return req.principal;
}

export function requireAdminToken(ctx: ApiContext): RequestHandler {
  return (req, res, next) => {
    const token = bearer(req);
    if (!ctx.config.adminToken) {
      refuseUnread(
        req,
        res,
        new DakError('admin_disabled', 'The admin API is disabled: set DAK_ADMIN_TOKEN to enable it.'),
      );
    }
    if (!token || !safeEqual(token, ctx.config.adminToken)) {
      refuseUnread(
        req,
        res,
        new DakError(
          'invalid_admin_token',
          'Missing or wrong admin token. Send `Authorization: Bearer $DAK_ADMIN_TOKEN`.',
        ),
      );
    }
    next();
  };
}

function basicPassword(req: Request): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/**
 * For pages opened in a browser (the queue dashboard), which cannot add a Bearer header: the
 * admin token is also accepted as the HTTP Basic password, with any user name, and a 401 asks
 * the browser for it (WWW-Authenticate). A Bearer token works as on the admin API. The admin
 * API itself takes Bearer only.
 */
export function requireAdminTokenOrBasic(ctx: ApiContext): RequestHandler {
  const viaBearer = requireAdminToken(ctx);
  return (req, res, next) => {
    const password = basicPassword(req);
    if (!ctx.config.adminToken || (password === undefined && bearer(req) !== undefined)) {
      viaBearer(req, res, next);
      return;
    }
    if (password !== undefined && safeEqual(password, ctx.config.adminToken)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="Dak admin", charset="UTF-8"');
    throw new DakError(
      'invalid_admin_token',
      password === undefined
        ? 'Sign in with any user name and $DAK_ADMIN_TOKEN as the password (HTTP Basic), or send `Authorization: Bearer $DAK_ADMIN_TOKEN`.'
        : 'Wrong admin token. Sign in with any user name and $DAK_ADMIN_TOKEN as the password.',
    );
  };
}
