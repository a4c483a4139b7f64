import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizeNumber, isReadReceipt } from '../message-service';
import { MetaApiError, metaErrorBody } from '../meta-errors';
import type { SimCore } from '../sim-core';
import { bearerOf, serveMeta, writeJson } from './meta-exchange';

const SEND_PATH = /^\/([^/?]+)\/([^/?]+)\/messages\/?(?:\?(.*))?$/;
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * `POST /{version}/{phone_number_id}/messages` served straight from node:http, ahead of
 * Express: the send path is what Dak's benchmarks hammer, and Express's per-request cost
 * would otherwise cap the simulator below Dak. Returns false for any other request.
 */
export function sendFastPath(core: SimCore): (req: IncomingMessage, res: ServerResponse) => boolean {
  const debug = core.logger.isLevelEnabled('debug');
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const match = SEND_PATH.exec(req.url ?? '');
    if (!match) return false;
    if (debug) {
      const started = Date.now();
      res.on('finish', () =>
        core.logger.debug({ url: req.url, status: res.statusCode, ms: Date.now() - started }, 'send'),
      );
    }
    const version = match[1] as string;
    const phoneNumberId = safeDecode(match[2] as string);
    const query: Record<string, string | undefined> = match[3] ? Object.fromEntries(new URLSearchParams(match[3])) : {};
    const chunks: Buffer[] = [];
    let size = 0;
    // A client that goes away mid-body leaves nothing to answer.
    req.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > BODY_LIMIT) {
        const error = new MetaApiError(100, `The request body is larger than ${BODY_LIMIT} bytes`, { httpStatus: 413 });
        writeJson(res, 413, metaErrorBody(error, core.ids.fbtraceId()));
        return;
      }
      const raw = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
      const exchange = {
        method: 'POST',
        path: req.url?.split('?')[0] ?? '',
        version,
        query,
        headers: req.headers,
        raw,
        req,
        res,
      };
      void serveMeta(core, exchange, { route: 'messages', phoneNumberId }, (json) => {
        const number = authorizeNumber(core.store, phoneNumberId, bearerOf(exchange));
        // The same endpoint takes read receipts: a body with `status` and no `to`.
        if (isReadReceipt(json)) return { status: 200, body: core.messages.markRead(number, json) };
        return { status: 200, body: core.messages.send(number, json) };
      }).catch((error: unknown) => {
        core.logger.error({ err: error }, 'send failed');
        if (!res.headersSent) res.destroy();
      });
    });
    return true;
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
