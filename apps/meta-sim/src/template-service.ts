import { MetaApiError } from './meta-errors';
import type { IdFactory } from './random';
import type { Scheduler } from './scheduler';
import type { SimStore } from './store';
import { LIMITS, placeholders } from './template-check';
import type { MetaTemplate, TemplateButton, TemplateComponent } from './types';
import type { WebhookDispatcher } from './webhook-dispatcher';

type Json = Record<string, unknown>;

export const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1_000;
const CATEGORIES = new Set(['MARKETING', 'UTILITY', 'AUTHENTICATION']);
const OTP_URL = 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}';

export interface TemplateReview {
  delayMs: number;
  /** Templates whose name matches this (case-insensitive regular expression) are REJECTED. */
  rejectNamePattern: string;
  rejectReason: string;
}

export interface TemplatePage {
  data: Json[];
  paging: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const cursor = (index: number) => Buffer.from(`i:${index}`).toString('base64url');
const fromCursor = (value: string) => {
  const decoded = /^i:(\d+)$/.exec(Buffer.from(value, 'base64url').toString());
  if (!decoded) throw new MetaApiError(100, `Invalid cursor ${value}`);
  return Number(decoded[1]);
};

/** Template management endpoints, the review that follows a creation, and status webhooks. */
export class TemplateService {
  constructor(
    private readonly store: SimStore,
    private readonly ids: IdFactory,
    private readonly scheduler: Scheduler,
    private readonly dispatcher: WebhookDispatcher,
    readonly review: TemplateReview,
  ) {}

  list(wabaId: string, query: Record<string, string | undefined>, selfUrl: string): TemplatePage {
    const all = this.store.templatesOf(wabaId).filter((t) => matchesFilters(t, query));
    const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new MetaApiError(100, 'limit must be a positive integer');
    const size = Math.min(limit, MAX_PAGE_SIZE);
    let start = 0;
    if (query.after) start = fromCursor(query.after) + 1;
    else if (query.before) start = Math.max(0, fromCursor(query.before) - size);
    const end = Math.min(all.length, start + size);
    const page = all.slice(start, end);
    const fields = parseFields(query.fields);
    const paging: TemplatePage['paging'] = {
      cursors: { before: cursor(start), after: cursor(Math.max(start, end - 1)) },
    };
    const link = (key: 'after' | 'before', value: string) => {
      const url = new URL(selfUrl);
      url.searchParams.delete('after');
      url.searchParams.delete('before');
      url.searchParams.set('limit', String(size));
      url.searchParams.set(key, value);
      return url.toString();
    };
    if (end < all.length) paging.next = link('after', paging.cursors.after);
    if (start > 0) paging.previous = link('before', paging.cursors.before);
    return { data: page.map((t) => project(t, fields)), paging };
  }

  get(templateId: string, fields: string | undefined): Json {
    const template = this.store.templates.get(templateId);
    if (!template) throw unknownObject(templateId);
    return project(template, parseFields(fields));
  }

  create(wabaId: string, body: unknown): { id: string; status: string; category: string } {
    const input = parseCreate(body);
    const existing = this.store.findTemplate(wabaId, input.name, input.language);
    if (existing) {
      throw new MetaApiError(100, `Content in this language already exists: ${input.name} (${input.language})`, {
        subcode: 2388024,
      });
    }
    const template: MetaTemplate = { id: this.ids.objectId(), status: 'PENDING', ...input };
    this.store.upsertTemplate(wabaId, template);
    const rejected =
      this.review.rejectNamePattern !== '' && new RegExp(this.review.rejectNamePattern, 'i').test(input.name);
    this.scheduler.after(this.review.delayMs, () => {
      const current = this.store.templates.get(template.id);
      if (!current || current.status !== 'PENDING') return;
      this.setStatus(template.id, rejected ? 'REJECTED' : 'APPROVED', rejected ? this.review.rejectReason : 'NONE');
    });
    return { id: template.id, status: 'PENDING', category: template.category };
  }

  /** Deletes every language of a name, or one template when `hsm_id` is given too. */
  delete(wabaId: string, name: string | undefined, hsmId: string | undefined): { success: true } {
    if (!name && !hsmId) throw new MetaApiError(100, 'The parameter name is required');
    const doomed = this.store
      .templatesOf(wabaId)
      .filter((t) => (name === undefined || t.name === name) && (hsmId === undefined || t.id === hsmId));
    if (doomed.length === 0)
      throw new MetaApiError(100, `Message template not found: ${name ?? hsmId}`, { subcode: 2593002 });
    for (const template of doomed) this.store.deleteTemplate(wabaId, template.id);
    return { success: true };
  }

  /** Changes a template's status and announces it with a `message_template_status_update` webhook. */
  setStatus(templateId: string, status: string, reason = 'NONE'): MetaTemplate {
    const template = this.store.templates.get(templateId);
    const wabaId = this.store.wabaOfTemplate(templateId);
    if (!template || !wabaId) throw new Error(`unknown template ${templateId}`);
    const previous = template.status;
    template.status = status;
    if (status === 'REJECTED') template.rejected_reason = reason;
    this.announce(wabaId, template, eventFor(previous, status), reason);
    return template;
  }

  announce(wabaId: string, template: MetaTemplate, event: string, reason = 'NONE'): void {
    const numericId = Number(template.id);
    this.dispatcher.enqueue({
      wabaId,
      field: 'message_template_status_update',
      value: {
        event,
        message_template_id: Number.isSafeInteger(numericId) ? numericId : template.id,
        message_template_name: template.name,
        message_template_language: template.language,
        reason,
      },
    });
  }
}

/** Meta reports a return to APPROVED after a pause or disable as REINSTATED. */
function eventFor(previous: string, status: string): string {
  if (status === 'APPROVED' && (previous === 'PAUSED' || previous === 'DISABLED')) return 'REINSTATED';
  return status;
}

export function unknownObject(id: string): MetaApiError {
  return new MetaApiError(
    100,
    `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
    { subcode: 33 },
  );
}

function parseFields(fields: string | undefined): string[] | undefined {
  if (!fields) return undefined;
  return fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

/** Graph returns the requested fields, always with `id`. */
function project(template: MetaTemplate, fields: string[] | undefined): Json {
  const full: Json = {
    name: template.name,
    parameter_format: template.parameter_format ?? 'POSITIONAL',
    components: template.components,
    language: template.language,
    status: template.status,
    category: template.category,
    ...(template.rejected_reason === undefined ? {} : { rejected_reason: template.rejected_reason }),
    id: template.id,
  };
  if (!fields) return full;
  const out: Json = {};
  const extra = template as unknown as Json;
  for (const field of fields) if (field in extra || field in full) out[field] = full[field] ?? extra[field];
  out.id = template.id;
  return out;
}

function matchesFilters(template: MetaTemplate, query: Record<string, string | undefined>): boolean {
  if (query.name && !template.name.includes(query.name)) return false;
  if (query.status && !query.status.split(',').includes(template.status)) return false;
  if (query.category && !query.category.split(',').includes(template.category)) return false;
  if (query.language && !query.language.split(',').includes(template.language)) return false;
  return true;
}

type NewTemplate = Pick<MetaTemplate, 'name' | 'language' | 'category' | 'parameter_format' | 'components'>;

function parseCreate(body: unknown): NewTemplate {
  if (!isObject(body)) throw new MetaApiError(100, 'The request body must be a JSON object');
  const { name, language, category, components } = body;
  if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name)) {
    throw new MetaApiError(100, 'name is required: lowercase letters, digits and underscores, at most 512 characters');
  }
  if (typeof language !== 'string' || language === '') throw new MetaApiError(100, 'language is required');
  if (typeof category !== 'string' || !CATEGORIES.has(category.toUpperCase())) {
    throw new MetaApiError(100, 'category must be MARKETING, UTILITY or AUTHENTICATION');
  }
  if (!Array.isArray(components) || !components.every(isObject))
    throw new MetaApiError(100, 'components must be an array');
  const parameterFormat = body.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  if (
    body.parameter_format !== undefined &&
    body.parameter_format !== 'NAMED' &&
    body.parameter_format !== 'POSITIONAL'
  ) {
    throw new MetaApiError(100, 'parameter_format must be POSITIONAL or NAMED');
  }
  const normalised = (components as unknown as TemplateComponent[]).map((c) => normaliseComponent(c, parameterFormat));
  if (!normalised.some((c) => c.type === 'BODY')) throw new MetaApiError(100, 'a BODY component is required');
  return {
    name,
    language,
    category: category.toUpperCase(),
    parameter_format: parameterFormat,
    components: normalised,
  };
}

function normaliseComponent(component: TemplateComponent, format: 'POSITIONAL' | 'NAMED'): TemplateComponent {
  const type = String(component.type ?? '').toUpperCase();
  const out: TemplateComponent = { ...component, type };
  if (type === 'HEADER') {
    out.format = String(component.format ?? 'TEXT').toUpperCase();
    if (out.format === 'TEXT') {
      if (typeof component.text !== 'string' || component.text.length > LIMITS.headerChars) {
        throw new MetaApiError(100, `a TEXT header needs text of at most ${LIMITS.headerChars} characters`);
      }
      if (placeholders(component.text, format).length > 1)
        throw new MetaApiError(100, 'a header takes at most one variable');
    }
  } else if (type === 'BODY') {
    if (typeof component.text !== 'string' || component.text.length > LIMITS.bodyChars) {
      throw new MetaApiError(100, `BODY text is required, at most ${LIMITS.bodyChars} characters`);
    }
  } else if (type === 'FOOTER') {
    if (typeof component.text !== 'string' || component.text.length > 60)
      throw new MetaApiError(100, 'FOOTER text is at most 60 characters');
  } else if (type === 'BUTTONS') {
    const buttons = component.buttons;
    if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > 10) {
      throw new MetaApiError(100, 'BUTTONS needs between 1 and 10 buttons');
    }
    out.buttons = buttons.map(normaliseButton);
  } else {
    throw new MetaApiError(100, `component type ${JSON.stringify(component.type)} is not valid`);
  }
  return out;
}

/** Meta stores an OTP copy-code button as a URL button whose trailing variable takes the code. */
function normaliseButton(button: TemplateButton): TemplateButton {
  const type = String(button.type ?? '').toUpperCase();
  if (type === 'OTP') return { type: 'URL', text: button.text ?? 'Copy code', url: OTP_URL };
  return { ...button, type };
}
