import { Router } from 'express';
import { NotFoundError, describeTemplate, formatMinor } from '@dak/core';
import { findMessage, findTemplate, findWallet, listTemplates } from '@dak/db';
import { jsonBody, parseOrThrow } from '@dak/http';
import type { ApiContext } from '../context';
import { principalOf, requireApiKey } from '../http/auth';
import { BODY_LIMITS } from '../http/body-limits';
import { rateLimit } from '../http/rate-limit';
import { registerBatchRoutes } from './batch-routes';
import { sendMessage } from '../services/send-message';
import { presentMessage, presentTemplate } from '../services/presenters';
import { templateFilterSchema, toMetaTemplate } from '../services/senders';

/** The public API: the original product's three endpoints, then Dak's own. Handlers stay thin. */
export function publicRouter(ctx: ApiContext): Router {
  const router = Router();
  router.use(requireApiKey(ctx));
  router.use(rateLimit(ctx));

  router.post('/send-message', jsonBody(BODY_LIMITS.sendMessage), async (req, res) => {
    const header = req.headers['idempotency-key'];
    const result = await sendMessage(ctx, principalOf(req), req.body, typeof header === 'string' ? header : undefined);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });

  router.get('/message-status/:message_id', async (req, res) => {
    const message = await findMessage(ctx.db, principalOf(req).accountId, req.params.message_id);
    if (!message) {
      throw new NotFoundError(`No message "${req.params.message_id}". Use the message_id returned by send-message, or the message's wamid.`, 'message_not_found');
    }
    res.json({ success: true, ...presentMessage(message) });
  });

  router.get('/get-template-by-id/:template_id', async (req, res) => {
    const template = await findTemplate(ctx.db, principalOf(req).accountId, req.params.template_id);
    if (!template) {
      throw new NotFoundError(`No template "${req.params.template_id}". Use the Meta id of one of your account's templates.`, 'template_not_found');
    }
    const { variables, ...placeholders } = describeTemplate(toMetaTemplate(template));
    res.json({ success: true, template: presentTemplate(template), placeholders, variables });
  });

  router.get('/templates', async (req, res) => {
    const filter = parseOrThrow(templateFilterSchema, req.query, 'query');
    const templates = await listTemplates(ctx.db, principalOf(req).accountId, filter);
    res.json({ success: true, templates: templates.map(presentTemplate) });
  });

  router.get('/wallet', async (req, res) => {
    const wallet = await findWallet(ctx.db, principalOf(req).accountId);
    if (!wallet) throw new NotFoundError('This account has no wallet yet. Ask the operator to top it up.', 'wallet_not_found');
    res.json({
      success: true,
      currency: wallet.currency,
      balance: formatMinor(wallet.available + wallet.held - wallet.debt),
      held: formatMinor(wallet.held),
      available: formatMinor(wallet.available),
      debt: formatMinor(wallet.debt),
    });
  });

  registerBatchRoutes(router, ctx);
  return router;
}
