import express, { type RequestHandler } from 'express';
import { DakError } from '@dak/core';

/** No Dak request needs more than a few levels; 32 leaves room for callers' own unknown fields. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether a parsed JSON value nests deeper than `limit` (`{}` is depth 1). Walks with its own
 * stack: a body nested 100,000 deep parses fine but overflows every recursive walk after it
 * (JSON.stringify for the idempotency hash, zod), so this runs before them.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node as object)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

function kilobytes(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}

export interface JsonBodyOptions {
  /** The largest body this route reads, in bytes. */
  limitBytes: number;
  /** What to do instead, said in the 413 (e.g. "split the batch"). */
  tooLargeHint: string;
  maxDepth?: number;
}

/**
 * Parses a JSON body for the routes after it. Mount it after authentication: an unauthenticated
 * request is answered before its body is read, so anonymous floods cost no parsing.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({ limit: options.limitBytes, strict: false });
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      const failure = error as { type?: string; length?: number } | undefined;
      if (failure?.type === 'entity.too.large') {
        const size = typeof failure.length === 'number' ? `is ${failure.length} bytes` : 'is too large';
        next(
          new DakError(
            'body_too_large',
            `The request body ${size}; this endpoint takes at most ${kilobytes(options.limitBytes)}. ${options.tooLargeHint}`,
            {
              limit_bytes: options.limitBytes,
            },
          ),
        );
        return;
      }
      if (error) return next(error);
      if (req.body !== null && typeof req.body === 'object' && nestedDeeperThan(req.body, maxDepth)) {
        next(
          new DakError(
            'json_too_deep',
            `The JSON body is nested more than ${maxDepth} levels deep; no Dak request needs that many. Send the documented shape.`,
            { max_depth: maxDepth },
          ),
        );
        return;
      }
      next();
    });
  };
}
