import { z } from 'zod';
import type { MessageError } from '@dak/core';

/**
 * Meta's error object, in a Graph API answer (`{error: {message, type, code, error_data:
 * {details}, error_subcode, fbtrace_id}}`) and in a failed status (`errors: [{code, title,
 * message, error_data: {details}}]`). Lenient: a field of another type reads as absent.
 */
export const metaErrorSchema = z.looseObject({
  code: z.number().optional().catch(undefined),
  title: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  type: z.string().optional().catch(undefined),
  error_subcode: z.number().optional().catch(undefined),
  error_data: z
    .looseObject({
      messaging_product: z.string().optional().catch(undefined),
      details: z.string().optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  fbtrace_id: z.string().optional().catch(undefined),
});
export type MetaError = z.infer<typeof metaErrorSchema>;

/** The error of a Graph API answer that is not 2xx; undefined when it carries none Dak can read. */
export function parseErrorAnswer(body: unknown): MetaError | undefined {
  return z.object({ error: metaErrorSchema }).safeParse(body).data?.error;
}

export type MetaErrorClass =
  /** too fast for this phone number: back off the number, retry */
  | 'throughput'
  /** too many to this recipient: delay this recipient only */
  | 'pair_rate'
  /** temporary on Meta's side: retry with backoff */
  | 'transient'
  /** Graph request limits: retry much later */
  | 'app_rate'
  /** 131048, spam rate limit: too many of this number's messages are blocked or reported; slow the whole number */
  | 'spam_rate'
  /** 131049, per-user marketing limit: Meta keeps this user's marketing back; hold it for 24 h, no retry now */
  | 'per_user_marketing'
  /** the business portfolio reached its messaging limit (unique users per 24 h): fail, no retry today */
  | 'messaging_limit'
  /** the message can never be sent as it is */
  | 'permanent';

/**
 * The portfolio's messaging limit. Meta documents no code of its own for it (META.md gives the
 * tiers, not an error); this is the one meta-sim answers. Dak refuses sends beyond its recorded
 * tier before they reach Meta, so this only shows when Meta's tier is lower than Dak's record.
 */
export const MESSAGING_LIMIT_CODE = 131064;

const CLASSES: Record<number, MetaErrorClass> = {
  130429: 'throughput',
  131056: 'pair_rate',
  131057: 'transient',
  131000: 'transient',
  131016: 'transient',
  133004: 'transient',
  2: 'transient',
  1: 'transient',
  4: 'app_rate',
  80007: 'app_rate',
  131048: 'spam_rate',
  131049: 'per_user_marketing',
  [MESSAGING_LIMIT_CODE]: 'messaging_limit',
};

/** Branch on `error.code`, never on the HTTP status or the title (META.md). */
export function classifyMetaError(code: number | undefined): MetaErrorClass {
  return code === undefined ? 'transient' : (CLASSES[code] ?? 'permanent');
}

/** A refusal of a send, as the message's error. */
export function messageErrorFromMeta(error: MetaError | undefined, fallbackTitle: string): MessageError {
  return {
    code: error?.code ?? 'meta_error',
    title: error?.message ?? fallbackTitle,
    ...(error?.error_data?.details ? { details: error.error_data.details } : {}),
    source: 'meta',
  };
}

/** A `failed` status's first error, as the message's error. */
export function messageErrorFromStatus(errors: MetaError[]): MessageError {
  const first = errors[0];
  return {
    code: first?.code ?? 'meta_failed',
    title: first?.title ?? first?.message ?? 'Meta reported the message as failed',
    ...(first?.error_data?.details ? { details: first.error_data.details } : {}),
    source: 'meta',
  };
}
