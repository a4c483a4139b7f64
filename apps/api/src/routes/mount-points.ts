/** Where app.ts mounts each router; the OpenAPI document and its test use the same prefixes. */
export const PUBLIC_API_BASE = '/api/whatsapp/v1';
export const ADMIN_API_BASE = '/admin/v1';
export const QUEUE_BOARD_BASE = '/admin/queues';
/** Automation hooks (`/hooks/:id/:token`): their own router, outside the API key's. */
export const HOOKS_BASE = '/hooks';
