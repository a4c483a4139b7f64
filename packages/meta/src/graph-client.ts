import type { MetaErrorBody, MetaTemplate } from '@dak/core';

/** The Cloud API endpoints Dak calls, over fetch (keep-alive by default in Node 20). */
export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

export type SendOutcome =
  | { kind: 'accepted'; wamid: string; messageStatus: string }
  | { kind: 'rejected'; httpStatus: number; error: MetaErrorBody }
  /** No answer that says whether Meta took it (timeout, connection dropped after sending). */
  | { kind: 'unknown'; reason: string }
  /** Meta was never reached (connection refused, DNS): safe to retry. */
  | { kind: 'unreachable'; reason: string };

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class GraphApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly error: MetaErrorBody | undefined,
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
    super(`${what}: the next page is on ${nextOrigin}, not on the Graph API (${graphOrigin}); stopped paging and sent nothing there`);
    this.name = 'ForeignPagingError';
  }
}

export class GraphClient {
  constructor(private readonly options: GraphClientOptions) {}

  private url(path: string): string {
    return `${this.options.baseUrl}/${this.options.version}/${path}`;
  }

  async sendMessage(metaPhoneNumberId: string, accessToken: string, body: unknown): Promise<SendOutcome> {
    let response: Response;
    try {
      response = await fetch(this.url(`${encodeURIComponent(metaPhoneNumberId)}/messages`), {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code && NOT_SENT_CODES.has(code)) return { kind: 'unreachable', reason: code };
      return { kind: 'unknown', reason: code ?? (error as Error).name ?? 'request failed' };
    }
    let payload: unknown;
    try {
      payload = await response.json();
    } catch {
      // A 5xx page that is not JSON, or the body was cut: Meta's answer is unknown.
      return response.ok ? { kind: 'unknown', reason: 'unreadable success body' } : { kind: 'rejected', httpStatus: response.status, error: {} };
    }
    if (response.ok) {
      const message = (payload as { messages?: { id?: string; message_status?: string }[] }).messages?.[0];
      if (!message?.id) return { kind: 'unknown', reason: 'success body without a message id' };
      return { kind: 'accepted', wamid: message.id, messageStatus: message.message_status ?? 'accepted' };
    }
    return { kind: 'rejected', httpStatus: response.status, error: (payload as { error?: MetaErrorBody }).error ?? {} };
  }

  /**
   * Every template of a WhatsApp Business Account, following the cursor through all pages.
   * Each page is fetched with the access token, so a `paging.next` is followed only on the
   * Graph API's own origin: anything else is refused before a byte is sent there.
   */
  async listTemplates(wabaId: string, accessToken: string): Promise<MetaTemplate[]> {
    const fields = 'id,name,language,status,category,parameter_format,components';
    const graphOrigin = new URL(this.options.baseUrl).origin;
    let next: string | undefined = this.url(`${encodeURIComponent(wabaId)}/message_templates?fields=${fields}&limit=100`);
    const templates: MetaTemplate[] = [];
    while (next) {
      const page = (await this.getJson(next, accessToken, 'template list')) as {
        data?: MetaTemplate[];
        paging?: { next?: unknown };
      };
      templates.push(...(page.data ?? []));
      next = page.paging?.next === undefined || page.paging.next === null ? undefined : sameOrigin(page.paging.next, graphOrigin);
    }
    return templates;
  }

  async getTemplate(templateId: string, accessToken: string): Promise<MetaTemplate> {
    return (await this.getJson(this.url(encodeURIComponent(templateId)), accessToken, 'template fetch')) as MetaTemplate;
  }

  private async getJson(url: string, accessToken: string, what: string): Promise<unknown> {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const payload = (await response.json().catch(() => undefined)) as { error?: MetaErrorBody } | undefined;
    if (!response.ok) throw new GraphApiError(response.status, payload?.error, what);
    return payload;
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
