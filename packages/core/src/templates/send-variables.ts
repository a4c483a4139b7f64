import { z } from 'zod';
import {
  BODY_PARAMETER_MAX,
  BUTTON_INDEX_MAX,
  BUTTON_PARAMETER_MAX,
  HEADER_PARAMETER_MAX,
  LOCATION_ADDRESS_MAX,
  LOCATION_NAME_MAX,
  MEDIA_FILENAME_MAX,
  MEDIA_ID_MAX,
  MEDIA_LINK_MAX,
  PARAMETER_NAME_MAX,
  VALUES_PER_ENTRY_MAX,
  VARIABLE_ENTRIES_MAX,
} from './limits';
import type { TemplateVariableError } from './errors';

// The `variables` array of `POST /send-message` (SPEC.md). This schema checks shape only;
// whether the entries fit a given template is buildTemplateComponents' job, so the two kinds
// of mistake get different answers (400 malformed, 422 mismatch).

/** Meta's rule for named placeholders: lowercase letters, digits and underscores. */
export const NAMED_PARAMETER_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** A string of at most `max` characters, with a message that says the limit and whose it is. */
function capped(max: number, what: string, error = 'must be a string') {
  return z.string({ error }).max(max, `must be at most ${max} characters (${what})`);
}

// Numbers are accepted and sent as text because callers routinely pass order numbers and
// amounts as JSON numbers; Meta itself only takes strings.
const textValue = (max: number, what: string) =>
  z.union([capped(max, what), z.number().transform(String)], { error: 'must be a string or a number' });

const BODY_LIMIT_TEXT = `Meta's limit for a body parameter`;

const currencyParameter = z.strictObject({
  type: z.literal('currency'),
  currency: z.strictObject({
    fallback_value: capped(
      BODY_PARAMETER_MAX,
      BODY_LIMIT_TEXT,
      'must be a string (the text shown where the amount cannot be formatted)',
    ),
    code: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in capitals, such as "INR"'),
    amount_1000: z.number().int('must be an integer: the amount multiplied by 1000'),
  }),
});

// Meta dropped the day/month/year fields of date_time; only fallback_value is shown.
const dateTimeParameter = z.strictObject({
  type: z.literal('date_time'),
  date_time: z.strictObject({ fallback_value: capped(BODY_PARAMETER_MAX, BODY_LIMIT_TEXT) }),
});

const bodyValue = z.union(
  [
    capped(BODY_PARAMETER_MAX, BODY_LIMIT_TEXT),
    z.number().transform(String),
    z.discriminatedUnion('type', [currencyParameter, dateTimeParameter], {
      error: 'must have type "currency" or "date_time"',
    }),
  ],
  { error: "must be a string, a number, or a currency / date_time parameter in Meta's shape" },
);

const parameterName = z
  .string()
  .max(PARAMETER_NAME_MAX, `must be at most ${PARAMETER_NAME_MAX} characters (a placeholder name fits in the body)`)
  .regex(NAMED_PARAMETER_PATTERN, 'must be a placeholder name: lowercase letters, digits and underscores');

const tooManyValues = `at most ${VALUES_PER_ENTRY_MAX} values (a body of 1024 characters holds no more placeholders)`;

/** A list of values, at most VALUES_PER_ENTRY_MAX. */
function valueList<T extends z.ZodType>(value: T) {
  return z.array(value).max(VALUES_PER_ENTRY_MAX, `must have ${tooManyValues}`);
}

// The count is checked on the union's result: a failed check inside a branch would make the
// union answer with its generic message instead of the limit.
function listOrNamed<T extends z.ZodType>(value: T) {
  return z
    .union([z.array(value), z.record(parameterName, value)], {
      error: 'must be a list of values (positional templates) or an object of named values (NAMED templates)',
    })
    .refine((values) => Object.keys(values).length <= VALUES_PER_ENTRY_MAX, `must have ${tooManyValues}`);
}

const coordinate = (min: number, max: number) =>
  z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
          .transform(Number),
      ],
      {
        error: 'must be a number',
      },
    )
    .pipe(z.number().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`));

const headerMedia = z.strictObject({
  type: z.enum(['image', 'video', 'document'], { error: 'must be "image", "video" or "document"' }),
  link: capped(MEDIA_LINK_MAX, 'the longest media URL Dak passes to Meta').optional(),
  id: capped(MEDIA_ID_MAX, "Meta's media ids are about 16 digits").optional(),
  filename: capped(MEDIA_FILENAME_MAX, "Dak's limit for a document filename").optional(),
});

const headerLocation = z.strictObject({
  latitude: coordinate(-90, 90),
  longitude: coordinate(-180, 180),
  name: capped(LOCATION_NAME_MAX, "Dak's limit for a location name").optional(),
  address: capped(LOCATION_ADDRESS_MAX, "Dak's limit for a location address").optional(),
});

const headerVariable = z
  .strictObject({
    type: z.literal('header'),
    values: listOrNamed(textValue(HEADER_PARAMETER_MAX, "Meta's limit for a header parameter")).optional(),
    media: headerMedia.optional(),
    location: headerLocation.optional(),
  })
  .refine((header) => [header.values, header.media, header.location].filter((v) => v !== undefined).length === 1, {
    error: 'a header entry takes exactly one of values, media or location',
  });

const bodyVariable = z.strictObject({ type: z.literal('body'), values: listOrNamed(bodyValue) });

const indexMessage = `must be a button index from 0 to ${BUTTON_INDEX_MAX}`;
const buttonIndex = z.union(
  [
    z.number().int(indexMessage).min(0, indexMessage).max(BUTTON_INDEX_MAX, indexMessage),
    z.string().regex(/^\d$/, indexMessage).transform(Number),
  ],
  { error: indexMessage },
);

const buttonVariable = z.strictObject({
  type: z.literal('button'),
  index: buttonIndex,
  /** Optional cross-check: when given, it must be the sub-type of the button at `index`. */
  sub_type: z
    .enum(['url', 'quick_reply', 'copy_code', 'flow', 'phone_number'], {
      error: 'must be "url", "quick_reply", "copy_code", "flow" or "phone_number"',
    })
    .optional(),
  values: valueList(textValue(BUTTON_PARAMETER_MAX, "Meta's limit for a button URL, the longest button value")),
});

export const sendVariableSchema = z.discriminatedUnion('type', [headerVariable, bodyVariable, buttonVariable], {
  error: 'type must be "header", "body" or "button"',
});

export const sendVariablesSchema = z
  .array(sendVariableSchema, { error: 'must be an array of header, body and button entries' })
  .max(
    VARIABLE_ENTRIES_MAX,
    `must have at most ${VARIABLE_ENTRIES_MAX} entries (one header, one body and up to 10 buttons)`,
  );

export type SendVariable = z.output<typeof sendVariableSchema>;
/** What a caller may send: numbers and string indexes are still unconverted here. */
export type SendVariableInput = z.input<typeof sendVariableSchema>;
export type HeaderVariable = Extract<SendVariable, { type: 'header' }>;
export type BodyVariable = Extract<SendVariable, { type: 'body' }>;
export type ButtonVariable = Extract<SendVariable, { type: 'button' }>;
export type BodyValue = z.output<typeof bodyValue>;
export type HeaderMedia = z.output<typeof headerMedia>;
export type HeaderLocation = z.output<typeof headerLocation>;

/**
 * Parses untrusted `variables` and reports every problem as a TemplateVariableError naming
 * the entry and field, e.g. `variables[1].values[0].currency.code: must be an ISO 4217 code…`.
 */
export function parseSendVariables(
  input: unknown,
): { ok: true; variables: SendVariable[] } | { ok: false; errors: TemplateVariableError[] } {
  const result = sendVariablesSchema.safeParse(input);
  if (result.success) return { ok: true, variables: result.data };
  const errors = result.error.issues.flatMap((issue) => explain(issue, []));
  return {
    ok: false,
    errors: errors.map(({ path, message }) => ({
      component: 'variables',
      ...(typeof path[0] === 'number' ? { index: path[0] } : {}),
      message: `${formatPath(path)}: ${message}`,
    })),
  };
}

interface Explained {
  path: PropertyKey[];
  message: string;
}

// A union reports every branch's failure; the useful one is the branch whose shape matched
// and failed deeper (e.g. the currency object with a bad code). When no branch got past the
// type check, the union's own message says what is accepted.
function explain(issue: z.core.$ZodIssue, base: PropertyKey[]): Explained[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    const deeper = issue.errors.filter(
      (branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
    );
    if (deeper.length === 1) return deeper[0]!.flatMap((inner) => explain(inner, path));
  }
  if (issue.code === 'invalid_key') return [{ path, message: issue.issues[0]?.message ?? issue.message }];
  return [{ path, message: issue.message }];
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    'variables',
  );
}
