import express, { type Request, type Response } from 'express';
import type { FaultTarget } from '../faults';
import { MetaApiError, metaErrorBody } from '../meta-errors';
import type { SimCore } from '../sim-core';
import { unknownObject } from '../template-service';
import { bearerOf, exchangeOf, type MetaExchange, type Outcome, serveMeta, writeJson } from './meta-exchange';

/**
 * Template management and object lookups (sends take the fast path in front of Express),
 * with the same recording and faults as sends.
 */
export function metaRoutes(core: SimCore): express.Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '4mb' }));

  const serve = (
    req: Request,
    res: Response,
    target: FaultTarget,
    handle: (exchange: MetaExchange, json: unknown) => Outcome,
  ) => {
    const exchange = exchangeOf(req, res);
    return serveMeta(core, exchange, target, (json) => handle(exchange, json));
  };

  const authorizeWaba = (exchange: MetaExchange, wabaId: string) => {
    const token = bearerOf(exchange);
    const tokenWaba = token ? core.store.wabaForToken(token) : undefined;
    if (!tokenWaba) {
      throw new MetaApiError(
        190,
        token ? 'Invalid OAuth access token - Cannot parse access token' : 'An access token is required',
      );
    }
    if (!core.store.businesses.has(wabaId)) throw unknownObject(wabaId);
    if (tokenWaba !== wabaId)
      throw new MetaApiError(190, `The access token is not valid for WhatsApp Business Account ${wabaId}`);
  };

  router.get('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return serve(req, res, { route: 'templates', wabaId }, (exchange) => {
      authorizeWaba(exchange, wabaId);
      const self = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
      return { status: 200, body: core.templates.list(wabaId, exchange.query, self) };
    });
  });

  router.post('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return serve(req, res, { route: 'templates', wabaId }, (exchange, json) => {
      authorizeWaba(exchange, wabaId);
      return { status: 200, body: core.templates.create(wabaId, json) };
    });
  });

  router.delete('/:version/:wabaId/message_templates', (req, res) => {
    const wabaId = String(req.params.wabaId);
    return serve(req, res, { route: 'templates', wabaId }, (exchange) => {
      authorizeWaba(exchange, wabaId);
      return { status: 200, body: core.templates.delete(wabaId, exchange.query.name, exchange.query.hsm_id) };
    });
  });

  router.get('/:version/:objectId', (req, res) => {
    const id = String(req.params.objectId);
    const templateWaba = core.store.wabaOfTemplate(id);
    const numberWaba = core.store.phoneNumbers.get(id)?.wabaId;
    const wabaId = templateWaba ?? numberWaba ?? (core.store.businesses.has(id) ? id : undefined);
    return serve(
      req,
      res,
      { route: templateWaba ? 'templates' : 'other', ...(wabaId ? { wabaId } : {}) },
      (exchange) => {
        const token = bearerOf(exchange);
        const tokenWaba = token ? core.store.wabaForToken(token) : undefined;
        if (!tokenWaba) throw new MetaApiError(190, 'Invalid OAuth access token - Cannot parse access token');
        if (!wabaId || tokenWaba !== wabaId) throw unknownObject(id);
        return { status: 200, body: describeObject(core, id, exchange.query.fields) };
      },
    );
  });

  router.use((req, res) => {
    const error = new MetaApiError(2500, `Unknown path components: ${req.path}`);
    writeJson(res, error.httpStatus, metaErrorBody(error, core.ids.fbtraceId()));
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
      messaging_limit_tier: core.store.businesses.get(number.wabaId)?.reach.tier ?? 'TIER_UNLIMITED',
      id: number.id,
    };
  }
  const business = core.store.businesses.get(id);
  return { id, name: business?.name, currency: 'INR', message_template_namespace: `sim_${id}` };
}
