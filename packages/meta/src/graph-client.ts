import { z } from 'zod';
import type { MetaTemplate, MetaTemplateComponent } from '@dak/core';
import { parseErrorAnswer, type MetaError } from './meta-errors';

/** The Cloud API endpoints Dak calls, over fetch (keep-alive by default in Node 20). */
export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

export type SendOutcome =
  | { kind: 'accepted'; wamid: string; messageStatus: string }
  | { kind: 'rejected'; httpStatus: number; error: MetaError }
  /** No answer that says whether Meta took it (timeout, connection dropped after sending). */
  | { kind: 'unknown'; reason: string }
  /** Meta was never reached (connection refused, DNS): safe to retry. */
  | { kind: 'unreachable'; reason: string };

export type ReadReceiptOutcome = { kind: 'accepted' } | Exclude<SendOutcome, { kind: 'accepted' }>;

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Why fetch failed: Node puts the socket's error code in `cause`. */
const fetchFailureSchema = z.object({ cause: z.object({ code: z.string() }) });

/** Meta's answer to a send: the first message's wamid and, on newer versions, its status. */
const sendAnswerSchema = z.object({
  messages: z.tuple(
    [z.object({ id: z.string().min(1), message_status: z.string().optional().catch(undefined) })],
    z.unknown(),
  ),
});

/** Meta's answer to a read receipt. */
const readAnswerSchema = z.object({ success: z.literal(true) });

const componentSchema = z.custom<MetaTemplateComponent>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);
/** A template as the Graph API lists it; its components are read by @dak/core's describeTemplate when it is used. */
const templateSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  name: z.string(),
  language: z.string(),
  status: z.string(),
  category: z.string(),
  parameter_format: z.enum(['POSITIONAL', 'NAMED']).optional(),
  components: z.array(componentSchema),
});
const templatePageSchema = z.object({
  data: z.array(templateSchema).optional(),
  paging: z.object({ next: z.unknown().optional() }).optional(),
});

/** Meta answered 2xx with something Dak cannot read. */
export class UnexpectedAnswerError extends Error {
  constructor(what: string, issues: string) {
    super(`${what}: Meta's answer is not what the Graph API documents (${issues})`);
    this.name = 'UnexpectedAnswerError';
  }
}

export class GraphApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: MetaError | undefined,
    what: string,
  ) {
    super(`${what} failed: HTTP ${httpStatus}${error?.message ? ` ${error.message}` : ''}`);
    this.name = 'GraphApiError';
  }
}

/** Meta's list answer pointed its next page somewhere other than the Graph API itself. */
export class ForeignPagingError extends Error {
  constructor(
    readonly nextOrigin: string,
    readonly graphOrigin: string,
    what: string,
  ) {
    super(
      `${what}: the next page is on ${nextOrigin}, not on the Graph API (${graphOrigin}); stopped paging and sent nothing there`,
    );
    this.name = 'ForeignPagingError';
  }
}

/** What Meta says of a media id (`GET /{media_id}`): where to download it, with the token, and what it is. */
const mediaInfoSchema = z.object({
  url: z.string().url(),
  mime_type: z.string().min(1),
  sha256: z.string(),
  file_size: z.union([z.number(), z.string().transform(Number)]),
  id: z.union([z.string(), z.number().transform(String)]),
});
export type MediaInfo = z.infer<typeof mediaInfoSchema>;

const uploadAnswerSchema = z.object({ id: z.union([z.string().min(1), z.number().transform(String)]) });

/** Meta's answer to a phone number read with `fields=messaging_limit_tier`. */
const messagingTierAnswerSchema = z.object({ messaging_limit_tier: z.string() });

/** Uploads and downloads move up to 100 MB: they get longer than a send's timeout. */
const MEDIA_TIMEOUT_MS = 120_000;

export class GraphClient {
  constructor(private readonly options: GraphClientOptions) {}

  private url(path: string): string {
    return `${this.options.baseUrl}/${this.options.version}/${path}`;
  }

  async sendMessage(metaPhoneNumberId: string, accessToken: string, body: unknown): Promise<SendOutcome> {
    const answer = await this.postMessages(metaPhoneNumberId, accessToken, body);
    if (answer.kind !== 'answered') return answer;
    if (answer.ok) {
      const parsed = sendAnswerSchema.safeParse(answer.payload);
      if (!parsed.success) return { kind: 'unknown', reason: 'success body without a message id' };
      const [message] = parsed.data.messages;
      return { kind: 'accepted', wamid: message.id, messageStatus: message.message_status ?? 'accepted' };
    }
    return { kind: 'rejected', httpStatus: answer.status, error: parseErrorAnswer(answer.payload) ?? {} };
  }

  /**
   * Meta's read receipt for an inbound message (`status: read`; the customer sees blue ticks on
   * it and on the earlier ones). Meta answers `{"success": true}`.
   */
  async markRead(metaPhoneNumberId: string, accessToken: string, wamid: string): Promise<ReadReceiptOutcome> {
    const answer = await this.postMessages(metaPhoneNumberId, accessToken, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: wamid,
    });
    if (answer.kind !== 'answered') return answer;
    if (answer.ok) {
      return readAnswerSchema.safeParse(answer.payload).success
        ? { kind: 'accepted' }
        : { kind: 'unknown', reason: 'success body without success: true' };
    }
    return { kind: 'rejected', httpStatus: answer.status, error: parseErrorAnswer(answer.payload) ?? {} };
  }

  /** POST /{phone_number_id}/messages: Meta's answer, or why there is none. */
  private async postMessages(
    metaPhoneNumberId: string,
    accessToken: string,
    body: unknown,
  ): Promise<
    | { kind: 'answered'; ok: boolean; status: number; payload: unknown }
    | Extract<SendOutcome, { kind: 'unknown' | 'unreachable' | 'rejected' }>
  > {
    let response: Response;
    try {
      response = await fetch(this.url(`${encodeURIComponent(metaPhoneNumberId)}/messages`), {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const code = fetchFailureSchema.safeParse(error).data?.cause.code;
      if (code && NOT_SENT_CODES.has(code)) return { kind: 'unreachable', reason: code };
      return { kind: 'unknown', reason: code ?? (error instanceof Error ? error.name : 'request failed') };
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      // A 5xx page that is not JSON, or the body was cut: Meta's answer is unknown.
      return response.ok
        ? { kind: 'unknown', reason: 'unreadable success body' }
        : { kind: 'rejected', httpStatus: response.status, error: {} };
    }
    return { kind: 'answered', ok: response.ok, status: response.status, payload };
  }

  /** `POST /{phone_number_id}/media` (multipart, as Meta documents it) → Meta's media id. */
  async uploadMedia(
    metaPhoneNumberId: string,
    accessToken: string,
    file: { blob: Blob; mimeType: string; filename: string },
  ): Promise<string> {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', file.mimeType);
    form.append('file', file.blob, file.filename);
    const response = await fetch(this.url(`${encodeURIComponent(metaPhoneNumberId)}/media`), {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
      body: form,
      signal: AbortSignal.timeout(Math.max(MEDIA_TIMEOUT_MS, this.options.timeoutMs)),
    });
    return (await this.readJson(response, 'media upload', uploadAnswerSchema)).id;
  }

  /** `GET /{media_id}`: the download URL (valid for minutes), MIME type, sha256 and size. */
  async getMedia(mediaId: string, accessToken: string): Promise<MediaInfo> {
    return this.getJson(this.url(encodeURIComponent(mediaId)), accessToken, 'media lookup', mediaInfoSchema);
  }

  /**
   * The bytes behind a media URL. Meta serves them from its own CDN host (not the Graph API's)
   * and requires the same token there, so the token goes to the URL Meta itself just named.
   */
  async downloadMedia(url: string, accessToken: string): Promise<Response> {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(Math.max(MEDIA_TIMEOUT_MS, this.options.timeoutMs)),
    });
    if (!response.ok || !response.body) {
      const payload: unknown = await response.json().catch(() => undefined);
      throw new GraphApiError(response.status, parseErrorAnswer(payload), 'media download');
    }
    return response;
  }

  /**
   * Every template of a WhatsApp Business Account, following the cursor through all pages.
   * Each page is fetched with the access token, so a `paging.next` is followed only on the
   * Graph API's own origin: anything else is refused before a byte is sent there.
   */
  async listTemplates(wabaId: string, accessToken: string): Promise<MetaTemplate[]> {
    const fields = 'id,name,language,status,category,parameter_format,components';
    const graphOrigin = new URL(this.options.baseUrl).origin;
    let next: string | undefined = this.url(
      `${encodeURIComponent(wabaId)}/message_templates?fields=${fields}&limit=100`,
    );
    const templates: MetaTemplate[] = [];
    while (next) {
      const page: z.infer<typeof templatePageSchema> = await this.getJson(
        next,
        accessToken,
        'template list',
        templatePageSchema,
      );
      templates.push(...(page.data ?? []));
      next =
        page.paging?.next === undefined || page.paging.next === null
          ? undefined
          : sameOrigin(page.paging.next, graphOrigin);
    }
    return templates;
  }

  async getTemplate(templateId: string, accessToken: string): Promise<MetaTemplate> {
    return this.getJson(this.url(encodeURIComponent(templateId)), accessToken, 'template fetch', templateSchema);
  }

  /**
   * `GET /{phone_number_id}?fields=messaging_limit_tier`: the messaging limit Meta reports on a
   * number (since October 2025 its business portfolio's, the same on every number of it), as
   * Meta names it (`TIER_2K`); @dak/meta's fetchMessagingTier reads the name.
   */
  async getMessagingLimitTier(metaPhoneNumberId: string, accessToken: string): Promise<string> {
    const url = this.url(`${encodeURIComponent(metaPhoneNumberId)}?fields=messaging_limit_tier`);
    return (await this.getJson(url, accessToken, 'messaging tier read', messagingTierAnswerSchema))
      .messaging_limit_tier;
  }

  private async getJson<T extends z.ZodType>(
    url: string,
    accessToken: string,
    what: string,
    schema: T,
  ): Promise<z.infer<T>> {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    return this.readJson(response, what, schema);
  }

  private async readJson<T extends z.ZodType>(response: Response, what: string, schema: T): Promise<z.infer<T>> {
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw new GraphApiError(response.status, parseErrorAnswer(payload), what);
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw new UnexpectedAnswerError(what, z.prettifyError(parsed.error));
    return parsed.data;
  }
}

function sameOrigin(next: unknown, graphOrigin: string): string {
  let origin = String(next);
  try {
    origin = new URL(String(next)).origin;
    if (origin === graphOrigin) return String(next);
  } catch {
    // Not an absolute URL: not the Graph API either.
  }
  throw new ForeignPagingError(origin, graphOrigin, 'template list');
}
