import express, { type NextFunction, type Request, type Response } from 'express';
import { ZodError } from 'zod';
import { ControlError, type SimControl } from '../control';
import type { RecordedRequest } from '../sim-core';
import type { WebhookDelivery } from '../webhook-dispatcher';

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Keeps only the last `limit` entries when `?limit=` is given. */
function tail<T>(items: T[], limit: unknown): T[] {
  const n = Number(limit);
  return Number.isInteger(n) && n > 0 ? items.slice(-n) : items;
}

/** The control API under `/_sim`: the same operations as `RunningMetaSim.control`, as JSON over HTTP. */
export function controlRoutes(control: SimControl): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '10mb' }));

  router.post('/businesses', (req, res) => {
    res.status(201).json(control.addBusiness(req.body));
  });
  router.get('/businesses', (_req, res) => {
    res.json({ data: control.businesses() });
  });
  router.patch('/businesses/:wabaId', (req, res) => {
    res.json(control.updateBusiness(String(req.params.wabaId), req.body));
  });
  router.post('/businesses/:wabaId/templates', (req, res) => {
    res.status(201).json(control.upsertTemplate(String(req.params.wabaId), req.body));
  });
  router.post('/templates/:templateId/status', (req, res) => {
    res.json(control.setTemplateStatus(String(req.params.templateId), req.body));
  });
  router.patch('/template-review', (req, res) => {
    res.json(control.configureTemplateReview(req.body));
  });

  router.get('/phone-numbers/:id', (req, res) => {
    res.json(control.phoneNumber(String(req.params.id)));
  });
  router.patch('/phone-numbers/:id', (req, res) => {
    res.json(control.updatePhoneNumber(String(req.params.id), req.body));
  });
  router.get('/phone-numbers/:id/sends', (req, res) => {
    res.json(control.sends(String(req.params.id)));
  });
  router.delete('/phone-numbers/:id/sends', (req, res) => {
    control.clearSends(String(req.params.id));
    res.status(204).end();
  });
  router.post('/phone-numbers/:id/throughput-upgrade', (req, res) => {
    res.json(control.startThroughputUpgrade(String(req.params.id), req.body ?? {}));
  });
  router.patch('/limits', (req, res) => {
    res.json(control.configureLimits(req.body));
  });

  router.get('/special-recipients', (_req, res) => {
    res.json({ data: control.specialRecipients() });
  });
  router.post('/special-recipients', (req, res) => {
    res.status(201).json(control.addSpecialRecipient(req.body));
  });
  router.delete('/special-recipients/:id', (req, res) => {
    res.status(control.removeSpecialRecipient(String(req.params.id)) ? 204 : 404).end();
  });
  router.delete('/special-recipients', (_req, res) => {
    control.clearSpecialRecipients();
    res.status(204).end();
  });

  router.get('/faults', (_req, res) => {
    res.json({ data: control.faults() });
  });
  router.post('/faults', (req, res) => {
    res.status(201).json(control.addFault(req.body));
  });
  router.delete('/faults/:id', (req, res) => {
    res.status(control.removeFault(String(req.params.id)) ? 204 : 404).end();
  });
  router.delete('/faults', (_req, res) => {
    control.clearFaults();
    res.status(204).end();
  });

  router.get('/requests', (req, res) => {
    const filter = {
      route: str(req.query.route) as RecordedRequest['route'] | undefined,
      phoneNumberId: str(req.query.phone_number_id),
      wabaId: str(req.query.waba_id),
      method: str(req.query.method),
    };
    res.json({ data: tail(control.requests(dropUndefined(filter)), req.query.limit) });
  });
  router.delete('/requests', (_req, res) => {
    control.clearRequests();
    res.status(204).end();
  });
  router.get('/webhooks', (req, res) => {
    const filter = {
      wamid: str(req.query.wamid),
      status: str(req.query.status),
      field: str(req.query.field),
      state: str(req.query.state) as WebhookDelivery['state'] | undefined,
    };
    res.json({ data: tail(control.webhooks(dropUndefined(filter)), req.query.limit) });
  });
  router.get('/messages', (req, res) => {
    const filter = { phoneNumberId: str(req.query.phone_number_id), waId: str(req.query.wa_id) };
    res.json({ data: tail(control.messages(dropUndefined(filter)), req.query.limit) });
  });

  router.get('/webhook-config', (_req, res) => {
    res.json(control.webhookConfig());
  });
  router.patch('/webhook-config', (req, res) => {
    res.json(control.configureWebhooks(req.body));
  });
  router.post('/webhook-verify', async (_req, res) => {
    res.json(await control.verifyWebhook());
  });
  router.get('/inbound', (req, res) => {
    const filter = { phoneNumberId: str(req.query.phone_number_id), from: str(req.query.from) };
    res.json({ data: tail(control.inboundMessages(dropUndefined(filter)), req.query.limit) });
  });
  router.post('/inbound', (req, res) => {
    res.status(201).json(control.inbound(req.body));
  });
  router.post('/media', (req, res) => {
    res.status(201).json(control.customerMedia(req.body));
  });
  router.post('/service-windows', (req, res) => {
    control.openServiceWindow(req.body);
    res.status(204).end();
  });
  router.post('/drain', async (req, res) => {
    await control.drain(Number(req.query.timeout_ms ?? 10_000));
    res.status(204).end();
  });
  router.post('/reset', (_req, res) => {
    control.reset();
    res.status(204).end();
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such control endpoint; see apps/meta-sim/README.md' });
  });
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof ZodError) {
      res.status(400).json({ error: 'invalid_request', issues: error.issues });
    } else if (error instanceof ControlError) {
      res.status(error.status).json({ error: 'control_error', message: error.message });
    } else if (error instanceof SyntaxError) {
      res.status(400).json({ error: 'invalid_json', message: error.message });
    } else {
      next(error);
    }
  });
  return router;
}

function dropUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
