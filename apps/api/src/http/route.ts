import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Request, Response, Router } from 'express';
import { ZodPipe, z } from 'zod';
import { DakError, ERROR_CODES, type ErrorCode } from '@dak/core';
import { jsonBody, parseOrThrow, type JsonBodyOptions } from '@dak/http';
import type { ApiContext } from '../context';
import { ADMIN_API_BASE, PUBLIC_API_BASE } from '../routes/mount-points';
import { principalOf, type Principal } from './auth';
import { ADMIN_TOKEN_SCHEME, API_KEY_SCHEME, errorResponses, jsonResponse } from '../openapi/common';

/** Who may call: an account's API key (public API, rate limited) or the operator's token (admin API). */
export type Auth = 'api_key' | 'admin';

type Method = 'get' | 'post' | 'patch' | 'delete';
type ParamsSchema = z.ZodObject<Record<string, z.ZodType<string>>>;

interface ResponseSpec<S extends z.ZodType = z.ZodType> {
  description: string;
  schema: S;
  example?: z.input<S>;
  /** Documented response headers. */
  headers?: z.ZodObject;
  /** A file, not JSON: the schema is `streamBody` and the handler answers a Readable of this type (documented as binary). */
  contentType?: string;
}

/** The body of a response that streams a file (with `contentType` on the response spec). */
export const streamBody = z.custom<Readable>((value) => value instanceof Readable);

interface BodySpec<S extends z.ZodType> {
  schema: S;
  /** How much the route reads (http/body-limits.ts). */
  limit: JsonBodyOptions;
  /** Registers the schema as a named component of the document. */
  component?: string;
  example?: unknown;
  examples?: Record<string, { summary: string; value: unknown }>;
  /** The handler validates the body itself (the send paths hash the raw body for Idempotency-Key). */
  raw?: boolean;
}

/** A multipart/form-data body, read by the handler itself from `req` (documented from `schema`). */
interface UploadSpec {
  schema: z.ZodObject;
}

type Responses = Partial<Record<200 | 201, ResponseSpec>>;

/** What a handler answers: one of the route's documented statuses, with a body of that status's schema. */
export type Answer<R extends Responses> = {
  [S in keyof R & number]: {
    status: S;
    body: R[S] extends { schema: infer Z extends z.ZodType } ? z.input<Z> : never;
    headers?: Record<string, string>;
  };
}[keyof R & number];

type Input<A extends Auth, P, Q, B> = {
  ctx: ApiContext;
  req: Request;
  res: Response;
  params: P extends ParamsSchema ? z.output<P> : Record<string, never>;
  query: Q extends z.ZodType ? z.output<Q> : undefined;
  body: B extends BodySpec<infer S> ? (B['raw'] extends true ? unknown : z.output<S>) : undefined;
  principal: A extends 'api_key' ? Principal : undefined;
};

export interface RouteSpec<A extends Auth, R extends Responses, P = undefined, Q = undefined, B = undefined> {
  method: Method;
  /** Express syntax (`/accounts/:id`), relative to the auth's base path. */
  path: string;
  auth: A;
  operationId: string;
  summary: string;
  description?: string;
  /** The public API's tag; admin routes are tagged Admin. */
  tag?: 'Messages' | 'Templates' | 'Wallet' | 'Callbacks' | 'Automations' | 'Contacts' | 'Conversations';
  params?: P;
  query?: Q;
  headers?: z.ZodObject;
  body?: B;
  upload?: UploadSpec;
  responses: R;
  /** The codes this route itself can answer; auth, rate-limit, body and 503 codes are added from `auth` and `body`. */
  errors?: ErrorCode[];
}

type Handler<A extends Auth, R extends Responses, P, Q, B> = (input: Input<A, P, Q, B>) => Promise<Answer<R>>;

/** An endpoint, defined once: it mounts its Express handler and documents itself from the same schemas. */
export interface Route {
  auth: Auth;
  mount(router: Router, ctx: ApiContext): void;
  document(registry: OpenAPIRegistry): void;
}

const BASE: Record<Auth, string> = { api_key: PUBLIC_API_BASE, admin: ADMIN_API_BASE };
const AUTH_ERRORS: Record<Auth, ErrorCode[]> = {
  api_key: ['missing_api_key', 'invalid_api_key', 'rate_limited'],
  admin: ['invalid_admin_token', 'admin_disabled'],
};
const BODY_ERRORS: ErrorCode[] = ['malformed_json', 'json_too_deep', 'body_too_large'];

/**
 * Defines an endpoint once: `defineRoute({ method, path, auth, params, query, body, responses, errors }).handle(fn)`.
 * The handler receives the parsed input and answers one of the declared statuses with a body of
 * that status's schema (checked by the compiler); the same spec documents the operation.
 */
export function defineRoute<
  A extends Auth,
  R extends Responses,
  P extends ParamsSchema | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends BodySpec<z.ZodType> | undefined = undefined,
>(spec: RouteSpec<A, R, P, Q, B>): { handle(handler: Handler<A, R, P, Q, B>): Route } {
  return {
    handle: (handler) => ({
      auth: spec.auth,
      mount(router, ctx) {
        const checked = ctx.config.env === 'test';
        const handlers = spec.body ? [jsonBody(spec.body.limit)] : [];
        router[spec.method](spec.path, ...handlers, async (req: Request, res: Response) => {
          const input = {
            ctx,
            req,
            res,
            params: req.params,
            query: spec.query ? parseOrThrow(spec.query, req.query, 'query') : undefined,
            body: spec.body && !spec.body.raw ? parseOrThrow(spec.body.schema, req.body) : req.body,
            principal: spec.auth === 'api_key' ? principalOf(req) : undefined,
          } as Input<A, P, Q, B>;
          const answer = checked ? await checkedAnswer(spec, () => handler(input)) : await handler(input);
          for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
          if (answer.body instanceof Readable) {
            res.status(answer.status);
            // Past the headers an error can only cut the transfer short; the client sees a short body.
            await pipeline(answer.body, res).catch((error: unknown) => {
              ctx.logger.warn({ err: error }, 'file stream ended early');
              res.destroy();
            });
            return;
          }
          res.status(answer.status).json(answer.body);
        });
      },
      document(registry) {
        registry.registerPath(openapiEntry(spec as AnySpec, registry));
      },
    }),
  };
}

type AnySpec = RouteSpec<Auth, Responses, unknown, unknown, unknown>;

/** The error codes a route documents: its own, and those its auth, body and the 503 guard add. */
function documentedCodes(spec: AnySpec): ErrorCode[] {
  const codes = [
    ...(spec.errors ?? []),
    ...(spec.body ? BODY_ERRORS : []),
    ...AUTH_ERRORS[spec.auth],
    'service_unavailable' as const,
  ];
  // Only a parsed query or body can be invalid; path parameters are looked up, not validated.
  if ((spec.query || spec.body || spec.upload) && !codes.includes('invalid_request')) codes.unshift('invalid_request');
  return codes;
}

/**
 * Tests only (NODE_ENV=test): the answer must be what the route documents, a status it lists
 * with a body its schema describes field for field, or an error code it lists. Otherwise the
 * request fails with a 500 naming the drift, so every test of every route checks the document.
 */
export async function checkedAnswer<R extends Responses>(
  spec: RouteSpec<Auth, R, unknown, unknown, unknown>,
  answer: () => Promise<Answer<R>>,
) {
  const drift = (what: string) => new Error(`${spec.operationId} ${what}: fix the route's documentation or its answer`);
  let result: Answer<R>;
  try {
    result = await answer();
  } catch (error) {
    if (error instanceof DakError && !documentedCodes(spec as AnySpec).includes(error.code))
      throw drift(`answered the undocumented error code ${error.code}`);
    throw error;
  }
  const response = (spec.responses as Responses)[result.status as 200 | 201];
  if (!response) throw drift(`answered the undocumented status ${String(result.status)}`);
  if (response.contentType) return result;
  const parsed = response.schema.safeParse(result.body);
  if (!parsed.success) throw drift(`answered a body its schema refuses: ${z.prettifyError(parsed.error)}`);
  const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
  if (!isDeepStrictEqual(asJson(parsed.data), asJson(result.body)))
    throw drift(`answered fields its schema does not document: ${JSON.stringify(result.body)}`);
  return result;
}

function openapiEntry(spec: AnySpec, registry: OpenAPIRegistry): RouteConfig {
  const body = spec.body as BodySpec<z.ZodType> | undefined;
  const codes = documentedCodes(spec);
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, response] of Object.entries(spec.responses) as [string, ResponseSpec][]) {
    if (response.contentType) {
      responses[status] = {
        description: response.description,
        content: { [response.contentType]: { schema: { type: 'string', format: 'binary' } } },
        ...(response.headers ? { headers: response.headers } : {}),
      };
      continue;
    }
    responses[status] = {
      ...jsonResponse(response.description, response.schema, response.example),
      ...(response.headers ? { headers: response.headers } : {}),
    };
  }
  const request: NonNullable<RouteConfig['request']> = {
    ...(spec.params ? { params: spec.params as ParamsSchema } : {}),
    // A query that transforms is documented by what it takes.
    ...(spec.query ? { query: (spec.query instanceof ZodPipe ? spec.query.in : spec.query) as z.ZodObject } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
  };
  if (body) {
    const schema = body.component ? registry.register(body.component, body.schema) : body.schema;
    const samples = body.examples
      ? { examples: body.examples }
      : body.example !== undefined
        ? { example: body.example }
        : {};
    request.body = { required: true, content: { 'application/json': { schema, ...samples } } };
  }
  if (spec.upload)
    request.body = { required: true, content: { 'multipart/form-data': { schema: spec.upload.schema } } };
  return {
    method: spec.method,
    path: `${BASE[spec.auth]}${spec.path.replace(/:(\w+)/g, '{$1}')}`,
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.auth === 'admin' ? 'Admin' : (spec.tag ?? 'Messages')],
    security: [{ [spec.auth === 'admin' ? ADMIN_TOKEN_SCHEME : API_KEY_SCHEME]: [] }],
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses: { ...responses, ...errorResponses(groupByStatus(codes)) },
  };
}

function groupByStatus(codes: ErrorCode[]): Record<number, ErrorCode[]> {
  const byStatus: Record<number, ErrorCode[]> = {};
  for (const code of new Set(codes)) (byStatus[ERROR_CODES[code].status] ??= []).push(code);
  return byStatus;
}
