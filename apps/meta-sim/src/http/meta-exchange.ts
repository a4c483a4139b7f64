import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { FaultTarget } from '../faults';
import { MetaApiError, metaErrorBody } from '../meta-errors';
import type { RecordedRequest, SimCore } from '../sim-core';

export interface Outcome {
  status: number;
  body: unknown;
}

/** One request to a Meta path, independent of the router that received it. */
export interface MetaExchange {
  method: string;
  path: string;
  version: string;
  query: Record<string, string | undefined>;
  headers: IncomingHttpHeaders;
  raw: string;
  req: IncomingMessage;
  res: ServerResponse;
}

const VERSION = /^v(\d+)\.(\d+)$/;
const INVALID_JSON = Symbol('invalid-json');

export function bearerOf(exchange: Pick<MetaExchange, 'headers' | 'query'>): string | undefined {
  const header = exchange.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim();
  }
  return exchange.query.access_token;
}

export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function errorOutcome(core: SimCore, error: unknown): Outcome {
  if (!(error instanceof MetaApiError)) core.logger.error({ err: error }, 'meta route failed');
  const meta =
    error instanceof MetaApiError ? error : new MetaApiError(1, 'An unknown error occurred', { httpStatus: 500 });
  return { status: meta.httpStatus, body: metaErrorBody(meta, core.ids.fbtraceId()) };
}

function checkVersion(core: SimCore, version: string): void {
  const match = VERSION.exec(version);
  const major = Number(match?.[1]);
  if (!match || major < core.graphVersions.min || major > core.graphVersions.max) {
    throw new MetaApiError(
      2500,
      `Unknown path components: Graph API version ${version} is not served (v${core.graphVersions.min}.0 – v${core.graphVersions.max}.0)`,
    );
  }
}

/**
 * Serves one Meta request: records it, applies any matching fault (error, delay, timeout,
 * dropped connection), checks the Graph version, runs `handle` and writes Meta's answer.
 */
export async function serveMeta(
  core: SimCore,
  exchange: MetaExchange,
  target: FaultTarget,
  handle: (json: unknown) => Outcome,
): Promise<void> {
  const { raw, req, res } = exchange;
  const record: RecordedRequest = {
    id: core.ids.local('req'),
    at: new Date().toISOString(),
    method: exchange.method,
    path: exchange.path,
    route: target.route,
    ...(target.phoneNumberId === undefined ? {} : { phone_number_id: target.phoneNumberId }),
    ...(target.wabaId === undefined ? {} : { waba_id: target.wabaId }),
    query: exchange.query,
    headers: exchange.headers,
    body: raw,
    response: { status: null },
  };
  core.requests.push(record);
  let json: unknown;
  if (raw !== '') {
    try {
      json = JSON.parse(raw);
      record.json = json;
    } catch {
      json = INVALID_JSON;
    }
  }

  const fault = core.faults.take(target);
  if (fault?.kind === 'delay') {
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1_000).unref());
    if (res.destroyed) return;
  }
  const lost =
    fault?.kind === 'timeout' || fault?.kind === 'drop'
      ? { kind: fault.kind, when: fault.when ?? 'before' }
      : undefined;
  if (lost?.when === 'before') return loseAnswer(lost.kind);

  let outcome: Outcome;
  try {
    if (fault?.kind === 'error') {
      throw new MetaApiError(fault.code ?? 131000, fault.details ?? 'Injected fault', {
        ...(fault.httpStatus === undefined ? {} : { httpStatus: fault.httpStatus }),
      });
    }
    if (json === INVALID_JSON) throw new MetaApiError(100, 'The request body is not valid JSON');
    checkVersion(core, exchange.version);
    outcome = handle(json);
  } catch (error) {
    outcome = errorOutcome(core, error);
  }
  if (lost) return loseAnswer(lost.kind, outcome);
  record.response = { status: outcome.status, body: outcome.body };
  const traceId =
    outcome.status >= 400 ? (outcome.body as { error?: { fbtrace_id?: string } }).error?.fbtrace_id : undefined;
  writeJson(res, outcome.status, outcome.body, traceId ? { 'x-fb-trace-id': traceId } : {});

  function loseAnswer(kind: 'timeout' | 'drop', processed?: Outcome): void {
    record.response = { status: null, fault: kind, ...(processed ? { body: processed.body } : {}) };
    if (kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const held = { destroy: () => req.socket.destroy() };
    core.held.add(held);
    res.on('close', () => core.held.delete(held));
  }
}

/** An Express request to a Meta path as an exchange; `raw` is the body when a raw parser read it, else ''. */
export function exchangeOf(req: Request, res: Response): MetaExchange {
  const query: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) query[key] = typeof value === 'string' ? value : undefined;
  return {
    method: req.method,
    path: req.path,
    version: String(req.params.version),
    query,
    headers: req.headers,
    raw: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '',
    req,
    res,
  };
}
