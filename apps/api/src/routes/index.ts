import { Router } from 'express';
import type { ApiContext } from '../context';
import { requireAdminToken, requireApiKey } from '../http/auth';
import { rateLimit } from '../http/rate-limit';
import type { Route } from '../http/route';
import { accountRoutes } from '../resources/accounts/routes';
import { apiKeyRoutes } from '../resources/api-keys/routes';
import { adminCallbackRoutes, publicCallbackRoutes } from '../resources/callbacks/routes';
import { adminAutomationRoutes, publicAutomationRoutes } from '../resources/automations/routes';
import { adminContactRoutes, publicContactRoutes } from '../resources/contacts/routes';
import { conversationRoutes } from '../resources/conversations/routes';
import { mediaRoutes } from '../resources/media/routes';
import { messageRoutes } from '../resources/messages/routes';
import { phoneNumberRoutes } from '../resources/phone-numbers/routes';
import { adminTemplateRoutes, publicTemplateRoutes } from '../resources/templates/routes';
import { adminWalletRoutes, publicWalletRoutes } from '../resources/wallet/routes';
import { webhookEventRoutes } from '../resources/webhook-events/routes';

/** Every endpoint, each defined once (http/route.ts): the routers and the OpenAPI document both come from this list. */
export const ROUTES: Route[] = [
  ...messageRoutes,
  ...publicTemplateRoutes,
  ...publicWalletRoutes,
  ...publicCallbackRoutes,
  ...publicAutomationRoutes,
  ...publicContactRoutes,
  ...conversationRoutes,
  ...mediaRoutes,
  ...accountRoutes,
  ...phoneNumberRoutes,
  ...apiKeyRoutes,
  ...adminWalletRoutes,
  ...adminTemplateRoutes,
  ...webhookEventRoutes,
  ...adminCallbackRoutes,
  ...adminContactRoutes,
  ...adminAutomationRoutes,
];

/** The public API: an account's API key, then its rate limit, then the route (which reads its body, if any). */
export function publicRouter(ctx: ApiContext): Router {
  const router = Router();
  router.use(requireApiKey(ctx));
  router.use(rateLimit(ctx));
  for (const route of ROUTES) if (route.auth === 'api_key') route.mount(router, ctx);
  return router;
}

/** The operator's API, behind DAK_ADMIN_TOKEN. */
export function adminRouter(ctx: ApiContext): Router {
  const router = Router();
  router.use(requireAdminToken(ctx));
  for (const route of ROUTES) if (route.auth === 'admin') route.mount(router, ctx);
  return router;
}
