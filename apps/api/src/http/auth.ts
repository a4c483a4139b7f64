import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UnauthorizedError, hashApiKey, safeEqual } from '@dak/core';
import { findActiveApiKeyByHash, touchApiKey } from '@dak/db';
import type { ApiContext } from '../context';

/** Who is calling: the key's account, and the phone numbers the key may use (null = all). */
export interface Principal {
  keyId: string;
  accountId: string;
  phoneNumberIds: string[] | null;
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

export function requireApiKey(ctx: ApiContext): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearer(req);
    if (!token) {
      throw new UnauthorizedError('Missing API key. Send it as `Authorization: Bearer <your API key>`.', 'missing_api_key');
    }
    const key = await findActiveApiKeyByHash(ctx.db, hashApiKey(token));
    if (!key) {
      throw new UnauthorizedError('The API key is not valid: it is unknown, revoked or expired. Create a new key and retry.', 'invalid_api_key');
    }
    // last_used_at is a hint for operators, not an audit log: write it at most once a minute.
    if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
      touchApiKey(ctx.db, key.id).catch((error) => ctx.logger.warn({ err: error }, 'could not record key use'));
    }
    req.principal = { keyId: key.id, accountId: key.account_id, phoneNumberIds: key.phone_number_ids };
    next();
  };
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError('Missing API key.', 'missing_api_key');
  return req.principal;
}

export function requireAdminToken(ctx: ApiContext): RequestHandler {
  return (req, _res, next) => {
    const token = bearer(req);
    if (!ctx.config.adminToken) {
      throw new UnauthorizedError('The admin API is disabled: set DAK_ADMIN_TOKEN to enable it.', 'admin_disabled');
    }
    if (!token || !safeEqual(token, ctx.config.adminToken)) {
      throw new UnauthorizedError('Missing or wrong admin token. Send `Authorization: Bearer $DAK_ADMIN_TOKEN`.', 'invalid_admin_token');
    }
    next();
  };
}
