import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ADMIN_API_BASE, PUBLIC_API_BASE, QUEUE_BOARD_BASE } from '../routes/mount-points';
import { ADMIN_TOKEN_SCHEME, API_KEY_SCHEME } from './common';
import { ROUTES } from '../routes';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const DESCRIPTION = `Dak is a self-hosted WhatsApp Business API gateway: send Meta-approved template messages, follow their delivery status and fetch template structure.

- Public API (\`${PUBLIC_API_BASE}\`): \`Authorization: Bearer <API key>\`. The original product's three endpoints keep their paths and shapes.
- Admin API (\`${ADMIN_API_BASE}\`): \`Authorization: Bearer $DAK_ADMIN_TOKEN\`.
- Every non-2xx answer is \`{"success": false, "error": {"code", "message", "details"?}}\`; branch on \`error.code\`.
- Amounts are decimal strings (\`"0.10"\`) in the account's currency.
- Queue dashboard (not part of this API): \`${QUEUE_BOARD_BASE}\`, HTTP Basic with any user name and the admin token as password.`;

/** The whole document, generated from the request schemas the handlers parse with. */
export function buildOpenApiDocument(version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`dak_…`) issued by `POST /admin/v1/accounts/{id}/api-keys`.',
  });
  registry.registerComponent('securitySchemes', ADMIN_TOKEN_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token, `DAK_ADMIN_TOKEN`.',
  });
  for (const route of ROUTES) route.document(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Dak', version, description: DESCRIPTION },
    tags: [
      { name: 'Messages', description: 'Send template messages and follow their status' },
      { name: 'Templates', description: "The account's templates as synced from Meta" },
      { name: 'Wallet', description: 'Prepaid credit' },
      {
        name: 'Callbacks',
        description:
          'Signed POSTs of status changes and other events to your own endpoints, retried for 24 h, with a delivery log and replay',
      },
      {
        name: 'Automations',
        description:
          "External systems' events (a store's orders, a CRM's updates) mapped to template sends. Each automation has a hook URL, " +
          '`POST /hooks/{id}/{token}` on this server (outside this API: the token in the URL is the credential), that stores each event and then sends or records why not.',
      },
      {
        name: 'Contacts',
        description:
          'The customers who wrote to your numbers, with their WhatsApp name, your tags and attributes, and whether they opted out of marketing ' +
          '(a STOP reply, Meta error 131050, or by hand): MARKETING templates to them are refused with 422 `recipient_opted_out`.',
      },
      {
        name: 'Conversations',
        description:
          "One per business number and customer: the customer's messages and yours in one list, unread counts, read receipts, " +
          "and whether Meta's 24-hour customer-service window (and a 72-hour free-entry window) is open.",
      },
      { name: 'Admin', description: 'Accounts, phone numbers, API keys, top-ups and template sync' },
    ],
  });
}
