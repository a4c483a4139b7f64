import express, { type Request, type Response } from 'express';
import type { FaultTarget } from '../faults';
import { authorizeNumber } from '../message-service';
import { MetaApiError, metaErrorBody } from '../meta-errors';
import type { RecordedRequest, SimCore } from '../sim-core';
import { unknownObject } from '../template-service';

interface Outcome {
  status: number;
  body: unknown;
}

const VERSION = /^v(\d+)\.(\d+)$/;

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim();
  }
  return typeof req.query.access_token === 'string' ? req.query.access_token : undefined;
}

function query(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) out[key] = typeof value === 'string' ? value : undefined;
  return out;
}

/** The Cloud API paths: sends, template management, object lookups, with faults and recording. */
export function metaRoutes(core: SimCore): express.Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '4mb' }));

  const run = async (req: Request, res: Response, target: FaultTarget, handle: (json: unknown) => Outcome) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const record: RecordedRequest = {
      id: core.ids.local('req'),
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      route: target.route,
      ...(target.phoneNumberId === undefined ? {} : { phone_number_id: target.phoneNumberId }),
      ...(target.wabaId === undefined ? {} : { waba_id: target.wabaId }),
      query: { ...req.query },
      headers: { ...req.headers },
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
        json = Symbol.for('invalid-json');
      }
    }

    const fault = core.faults.take(target);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1_000));
    const lost = fault?.kind === 'timeout' || fault?.kind === 'drop' ? { kind: fault.kind, when: fault.when ?? 'before' } : undefined;
    if (lost?.when === 'before') return loseAnswer(lost.kind, record);

    let outcome: Outcome;
    try {
      if (fault?.kind === 'error') {
        throw new MetaApiError(fault.code ?? 131000, fault.details ?? 'Injected fault', {
          ...(fault.httpStatus === undefined ? {} : { httpStatus: fault.httpStatus }),
        });
      }
      if (typeof json === 'symbol') throw new MetaApiError(100, 'The request body is not valid JSON');
      checkVersion(String(req.params.version));
      outcome = handle(json);
    } catch (error) {
      outcome = errorOutcome(error);
    }
    if (lost) return loseAnswer(lost.kind, record, outcome);
    record.response = { status: outcome.status, body: outcome.body };
    if (outcome.status >= 400) {
      const traceId = (outcome.body as { error?: { fbtrace_id?: string } }).error?.fbtrace_id;
      if (traceId) res.setHeader('x-fb-trace-id', traceId);
    }
    res.status(outcome.status).json(outcome.body);

    function loseAnswer(kind: 'timeout' | 'drop', entry: RecordedRequest, processed?: Outcome): void {
      entry.response = { status: null, fault: kind, ...(processed ? { body: processed.body } : {}) };
      if (kind === 'drop') {
        req.socket.destroy();
        return;
      }
      const handle = { destroy: () => req.socket.destroy() };
      core.held.add(handle);
      res.on('close', () => core.held.delete(handle));
    }
  };

  const errorOutcome = (error: unknown): Outcome => {
    const meta =
      error instanceof MetaApiError
        ? error
        : new MetaApiError(1, 'An unknown error occurred', { httpStatus: 500 });
    if (!(error instanceof MetaApiError)) core.logger.error({ err: error }, 'meta route failed');
    return { status: meta.httpStatus, body: metaErrorBody(meta, core.ids.fbtraceId()) };
  };

  const checkVersion = (version: string) => {
    const match = VERSION.exec(version);
    const major = Number(match?.[1]);
    if (!match || major < core.graphVersions.min || major > core.graphVersions.max) {
      throw new MetaApiError(
        2500,
        `Unknown path components: Graph API version ${version} is not served (v${core.graphVersions.min}.0 – v${core.graphVersions.max}.0)`,
      );
    }
  };

  const authorizeWaba = (req: Request, wabaId: string) => {
    const token = bearer(req);
    const tokenWaba = token ? core.store.wabaForToken(token) : undefined;
    if (!tokenWaba) throw new MetaApiError(190, token ? 'Invalid OAuth access token - Cannot parse access token' : 'An access token is required');
    if (!core.store.businesses.has(wabaId)) throw unknownObject(wabaId);
    if (tokenWaba !== wabaId) throw new MetaApiError(190, `The access token is not valid for WhatsApp Business Account ${wabaId}`);
  };

  router.post('/:version/:phoneNumberId/messages', (req, res) => {
    const phoneNumberId = String(req.params.phoneNumberId);
    return run(req, res, { route: 'messages', phoneNumberId }, (json) => {
      const number = authorizeNumber(core.store, phoneNumberId, bearer(req));
      return { status: 200, body: core.messages.send(number, json) };
    });
  });

  router.get('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return run(req, res, { route: 'templates', wabaId }, () => {
      authorizeWaba(req, wabaId);
      const self = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
      return { status: 200, body: core.templates.list(wabaId, query(req), self) };
    });
  });

  router.post('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return run(req, res, { route: 'templates', wabaId }, (json) => {
      authorizeWaba(req, wabaId);
      return { status: 200, body: core.templates.create(wabaId, json) };
    });
  });

  router.delete('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return run(req, res, { route: 'templates', wabaId }, () => {
      authorizeWaba(req, wabaId);
      const q = query(req);
      return { status: 200, body: core.templates.delete(wabaId, q.name, q.hsm_id) };
    });
  });

  router.get('/:version/:objectId', (req, res) => {
    const id = String(req.params.objectId);
    const templateWaba = core.store.wabaOfTemplate(id);
    const numberWaba = core.store.phoneNumbers.get(id)?.wabaId;
    const wabaId = templateWaba ?? numberWaba ?? (core.store.businesses.has(id) ? id : undefined);
    return run(req, res, { route: templateWaba ? 'templates' : 'other', ...(wabaId ? { wabaId } : {}) }, () => {
      const token = bearer(req);
      if (!token || !core.store.wabaForToken(token)) throw new MetaApiError(190, 'Invalid OAuth access token - Cannot parse access token');
      if (!wabaId || core.store.wabaForToken(token) !== wabaId) throw unknownObject(id);
      return { status: 200, body: describeObject(core, id, query(req).fields) };
    });
  });

  router.use((req, res) => {
    const error = new MetaApiError(2500, `Unknown path components: ${req.path}`);
    res.status(error.httpStatus).json(metaErrorBody(error, core.ids.fbtraceId()));
  });

  return router;
}

function describeObject(core: SimCore, id: string, fields: string | undefined): unknown {
  if (core.store.templates.has(id)) return core.templates.get(id, fields);
  const number = core.store.phoneNumbers.get(id);
  if (number) {
    return {
      verified_name: number.verifiedName,
      code_verification_status: 'VERIFIED',
      display_phone_number: `+${number.display}`,
      quality_rating: 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: number.throughput.mps > 80 ? 'HIGH' : 'STANDARD' },
      id: number.id,
    };
  }
  const business = core.store.businesses.get(id);
  return { id, name: business?.name, currency: 'INR', message_template_namespace: `sim_${id}` };
}
