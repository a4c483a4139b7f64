/** Meta's error body: `{error: {message, type, code, error_data: {details}, error_subcode, fbtrace_id}}`. */
export interface MetaErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { messaging_product?: string; details?: string };
  fbtrace_id?: string;
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
  /** the message can never be sent as it is */
  | 'permanent';

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
};

/** Branch on `error.code`, never on the HTTP status or the title (META.md). */
export function classifyMetaError(code: number | undefined): MetaErrorClass {
  return code === undefined ? 'transient' : (CLASSES[code] ?? 'permanent');
}

/** Stored as a message's `error` and shown in its status. */
export interface MessageError {
  code: string | number;
  title: string;
  details?: string;
  source: 'meta' | 'dak';
}

export function messageErrorFromMeta(error: MetaErrorBody | undefined, fallbackTitle: string): MessageError {
  return {
    code: error?.code ?? 'meta_error',
    title: error?.message ?? fallbackTitle,
    ...(error?.error_data?.details ? { details: error.error_data.details } : {}),
    source: 'meta',
  };
}
