import { z } from 'zod';
import { VALUES_PER_ENTRY_MAX, VARIABLE_ENTRIES_MAX } from '../templates/limits';
import { FORMAT_SAMPLES, VALUE_FORMATS, formatValue, type ValueFormat } from './formats';
import { jsonPathProblem, selectFirst } from './json-path';

// An automation maps an external system's JSON event to a template send: where the recipient
// is, what fills each placeholder, an optional condition and the field that identifies the
// event for deduplication. Pure: the API stores the mapping and runs it on each event.

/** A string that starts like a JSONPath (`$.…` or `$[…`) is one; any other string is a constant. */
export function looksLikePath(value: string): boolean {
  return /^\$[.[]/.test(value);
}

const jsonPath = z
  .string({ error: 'must be a JSONPath string such as "$.customer.phone"' })
  .superRefine((path, ctx) => {
    const problem = jsonPathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const CONSTANT_MAX = 2000;
const constant = z.string().max(CONSTANT_MAX, `must be at most ${CONSTANT_MAX} characters`);

const pathValue = z.strictObject({
  path: jsonPath,
  format: z.enum(VALUE_FORMATS, { error: `must be one of ${VALUE_FORMATS.join(', ')}` }).optional(),
  /** Used as it is when the field is missing, null or empty. */
  default: constant.optional(),
});

/**
 * One value: a constant ("Kirana Cart", 42), a JSONPath ("$.customer.first_name"), a path
 * with a format and a default (`{path, format?, default?}`), or `{value}` for a constant that
 * itself starts with "$.".
 */
export const valueSpecSchema = z.union(
  [
    constant.superRefine((value, ctx) => {
      const problem = looksLikePath(value) ? jsonPathProblem(value) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    z.number(),
    pathValue,
    z.strictObject({ value: constant }),
  ],
  { error: 'must be a constant, a JSONPath string, {"path", "format"?, "default"?} or {"value"}' },
);
export type ValueSpec = z.output<typeof valueSpecSchema>;

/**
 * send-message's `variables`, with value specs where it takes values. Header media and
 * locations are constants; the whole shape is checked by send-message's own schema once the
 * specs are filled (see sampleVariables).
 */
const automationVariableSchema = z.strictObject({
  type: z.enum(['header', 'body', 'button'], { error: 'type must be "header", "body" or "button"' }),
  index: z.unknown().optional(),
  sub_type: z.unknown().optional(),
  values: z
    .union([z.array(valueSpecSchema), z.record(z.string(), valueSpecSchema)], {
      error: 'must be a list of values (positional templates) or an object of named values (NAMED templates)',
    })
    .refine((values) => Object.keys(values).length <= VALUES_PER_ENTRY_MAX, `at most ${VALUES_PER_ENTRY_MAX} values`)
    .optional(),
  media: z.unknown().optional(),
  location: z.unknown().optional(),
});
export const automationVariablesSchema = z
  .array(automationVariableSchema, { error: 'must be an array of header, body and button entries' })
  .max(VARIABLE_ENTRIES_MAX, `must have at most ${VARIABLE_ENTRIES_MAX} entries`);
export type AutomationVariable = z.output<typeof automationVariableSchema>;

const scalar = z.union([z.string().max(1000), z.number(), z.boolean()], {
  error: 'must be a string, a number or a boolean',
});

export const conditionSchema = z
  .strictObject({
    path: jsonPath,
    equals: scalar.optional(),
    in: z.array(scalar).min(1, 'must list at least one value').max(100, 'at most 100 values').optional(),
    exists: z.boolean().optional(),
  })
  .refine((c) => [c.equals, c.in, c.exists].filter((v) => v !== undefined).length === 1, {
    error: 'give exactly one of "equals", "in" or "exists"',
  });
export type Condition = z.output<typeof conditionSchema>;

/** Where the recipient's number is: one path, or several tried in order (the first present wins). */
export const recipientSpecSchema = z.union([jsonPath, z.array(jsonPath).min(1).max(5, 'at most 5 paths')], {
  error: 'must be a JSONPath, or a list of up to 5 tried in order',
});
export type RecipientSpec = z.output<typeof recipientSpecSchema>;
export const dedupePathSchema = jsonPath;

export interface AutomationMapping {
  recipient: RecipientSpec;
  variables: AutomationVariable[];
  condition: Condition | null;
  dedupe: string;
}

/** Why an event does not become a message, as recorded on the event. */
export type MappingFailure =
  | { reason: 'condition_false'; message: string }
  | { reason: 'field_missing' | 'field_invalid'; message: string; path: string };

export interface MappedEvent {
  /** As found in the event: the send path normalises and checks it. */
  recipient: string;
  dedupeValue: string;
  /** send-message's `variables`, every value filled. */
  variables: unknown[];
}

/** The longest dedupe value kept; an order id or event id is far shorter. */
export const DEDUPE_VALUE_MAX = 512;

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function asText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

type Failed = { ok: false; failure: MappingFailure };
type Resolved = { ok: true; value: string | number } | Failed;

function missing(path: string, what: string): Failed {
  return {
    ok: false,
    failure: { reason: 'field_missing', path, message: `${what}: the event has no value at ${path}` },
  };
}

function invalid(path: string, message: string): Failed {
  return { ok: false, failure: { reason: 'field_invalid', path, message } };
}

function resolveValue(spec: ValueSpec, event: unknown, what: string): Resolved {
  if (typeof spec === 'number') return { ok: true, value: spec };
  if (typeof spec === 'string' && !looksLikePath(spec)) return { ok: true, value: spec };
  if (typeof spec === 'object' && 'value' in spec) return { ok: true, value: spec.value };
  const {
    path,
    format,
    default: fallback,
  } = typeof spec === 'string' ? { path: spec, format: undefined, default: undefined } : spec;
  const found = selectFirst(event, path);
  if (isBlank(found)) return fallback !== undefined ? { ok: true, value: fallback } : missing(path, what);
  if (format) {
    const formatted = formatValue(found, format as ValueFormat);
    if (!formatted.ok) return invalid(path, `${what}: ${path} ${formatted.why} (format ${format})`);
    return { ok: true, value: formatted.text };
  }
  const text = asText(found);
  if (text === null)
    return invalid(path, `${what}: ${path} is an object or a list, not a value; name a field inside it`);
  return { ok: true, value: text };
}

function sameScalar(found: unknown, expected: string | number | boolean): boolean {
  const text = asText(found);
  return text !== null && text === String(expected);
}

/** Whether the event passes the condition (values compare as text: 1 and "1" are equal). */
export function conditionHolds(condition: Condition, event: unknown): boolean {
  const found = selectFirst(event, condition.path);
  if (condition.exists !== undefined) return condition.exists === (found !== undefined && found !== null);
  if (condition.equals !== undefined) return sameScalar(found, condition.equals);
  return (condition.in ?? []).some((expected) => sameScalar(found, expected));
}

function describeCondition(condition: Condition): string {
  if (condition.exists !== undefined) return `${condition.path} ${condition.exists ? 'exists' : 'does not exist'}`;
  if (condition.equals !== undefined) return `${condition.path} equals ${JSON.stringify(condition.equals)}`;
  return `${condition.path} is one of ${JSON.stringify(condition.in)}`;
}

/** Walks the variables, putting what `fill` gives in place of each value spec. */
function mapVariables(
  variables: AutomationVariable[],
  fill: (spec: ValueSpec, where: string) => Resolved,
): { ok: true; variables: unknown[] } | Failed {
  const out: unknown[] = [];
  for (const entry of variables) {
    if (entry.values === undefined) {
      out.push(entry);
      continue;
    }
    const where = (key: string | number) =>
      `${entry.type}${entry.type === 'button' ? ` ${String(entry.index)}` : ''} value ${typeof key === 'number' ? key + 1 : key}`;
    if (Array.isArray(entry.values)) {
      const values: (string | number)[] = [];
      for (const [k, spec] of entry.values.entries()) {
        const resolved = fill(spec, where(k));
        if (!resolved.ok) return resolved;
        values.push(resolved.value);
      }
      out.push({ ...entry, values });
    } else {
      const values: Record<string, string | number> = {};
      for (const [name, spec] of Object.entries(entry.values)) {
        const resolved = fill(spec, where(name));
        if (!resolved.ok) return resolved;
        values[name] = resolved.value;
      }
      out.push({ ...entry, values });
    }
  }
  return { ok: true, variables: out };
}

/**
 * Runs the mapping on one event: the condition first (an event it excludes is not "missing"
 * anything), then the dedupe value, the recipient and every value.
 */
export function mapEvent(mapping: AutomationMapping, event: unknown): { ok: true; mapped: MappedEvent } | Failed {
  if (mapping.condition && !conditionHolds(mapping.condition, event)) {
    return {
      ok: false,
      failure: {
        reason: 'condition_false',
        message: `The condition is not met: ${describeCondition(mapping.condition)}`,
      },
    };
  }
  const dedupe = selectFirst(event, mapping.dedupe);
  if (isBlank(dedupe)) return missing(mapping.dedupe, 'dedupe');
  const dedupeValue = asText(dedupe);
  if (dedupeValue === null || dedupeValue.length > DEDUPE_VALUE_MAX) {
    return invalid(
      mapping.dedupe,
      `dedupe: ${mapping.dedupe} must be a text or number of at most ${DEDUPE_VALUE_MAX} characters (an order or event id)`,
    );
  }
  const paths = typeof mapping.recipient === 'string' ? [mapping.recipient] : mapping.recipient;
  const phone = paths.map((path) => selectFirst(event, path)).find((value) => !isBlank(value));
  const recipient = asText(phone);
  if (recipient === null) {
    const where = paths.join(' or ');
    return phone === undefined
      ? missing(where, 'recipient')
      : invalid(where, 'recipient: the value found is not a phone number');
  }
  const variables = mapVariables(mapping.variables, (spec, where) => resolveValue(spec, event, where));
  if (!variables.ok) return variables;
  return { ok: true, mapped: { recipient, dedupeValue, variables: variables.variables } };
}

/**
 * The variables with every path replaced by a sample of what it gives (its default, or a
 * sample of its format), so send-message's schema and template check can judge the automation
 * when it is created: a mismatch then names the placeholder, as it would on a send.
 */
export function sampleVariables(variables: AutomationVariable[]): unknown[] {
  const sample = (spec: ValueSpec): Resolved => {
    if (typeof spec === 'number') return { ok: true, value: spec };
    if (typeof spec === 'string') return { ok: true, value: looksLikePath(spec) ? 'sample' : spec };
    if ('value' in spec) return { ok: true, value: spec.value };
    return { ok: true, value: spec.default ?? (spec.format ? FORMAT_SAMPLES[spec.format] : 'sample') };
  };
  const result = mapVariables(variables, sample);
  return result.ok ? result.variables : [];
}
