import type { TemplateVariableError } from './errors';
import { checkParameterText, fillPlaceholders } from './fill-placeholders';
import { BODY_TEXT_MAX, OTP_CODE_MAX } from './limits';
import type { MetaBodyParameter, MetaBodySendComponent } from './meta-send-components';
import type { ParameterFormat } from './meta-template';
import { characterCount, hydrate } from './placeholders';
import type { BodyValue, BodyVariable } from './send-variables';
import type { BodyDescription } from './template-shape';

export interface BuiltBody {
  component: MetaBodySendComponent | null;
  /** The first text value: an authentication template's one-time code. */
  firstText: string | null;
}

/**
 * The body send component (null when the body has no placeholders). For an authentication
 * template the single value is the one-time code, so it must be text of at most 15 characters.
 */
export function buildBody(
  body: BodyDescription | null,
  format: ParameterFormat,
  entry: BodyVariable | undefined,
  isAuthentication: boolean,
  errors: TemplateVariableError[],
): BuiltBody {
  if (!body) {
    if (entry) errors.push({ component: 'body', message: 'the template has no body; remove the body entry' });
    return { component: null, firstText: null };
  }
  const filled = fillPlaceholders('body', body.placeholders, format, entry?.values, errors);
  if (!filled || filled.length === 0) return { component: null, firstText: null };
  let valid = true;
  for (const { placeholder, value } of filled) {
    const where = `body ${placeholder.placeholder}`;
    const at = { component: 'body' as const, placeholder: placeholder.placeholder };
    if (typeof value === 'string') {
      valid = checkParameterText(value, where, at, errors) && valid;
    } else {
      valid = checkParameterText(fallbackText(value), `${where} ${value.type} fallback_value`, at, errors) && valid;
    }
  }
  const first = filled[0]!;
  if (isAuthentication && valid) valid = checkOtpCode(first.value, first.placeholder.placeholder, errors);
  if (!valid) return { component: null, firstText: null };

  const hydrated = hydrate(
    body.text,
    new Map(filled.map(({ placeholder, value }) => [placeholder.name, fallbackText(value)])),
  );
  const length = characterCount(hydrated);
  if (length > BODY_TEXT_MAX) {
    errors.push({
      component: 'body',
      message: `body is ${length} characters once filled; Meta allows at most ${BODY_TEXT_MAX}`,
      expected: BODY_TEXT_MAX,
      received: length,
    });
    return { component: null, firstText: null };
  }
  return {
    component: {
      type: 'body',
      parameters: filled.map(({ placeholder, value }) =>
        bodyParameter(value, format === 'NAMED' ? placeholder.name : undefined),
      ),
    },
    firstText: typeof first.value === 'string' ? first.value : null,
  };
}

function checkOtpCode(value: BodyValue, placeholder: string, errors: TemplateVariableError[]): boolean {
  if (typeof value !== 'string') {
    errors.push({
      component: 'body',
      placeholder,
      message: `body ${placeholder} is the one-time code and must be text, got a ${value.type} parameter`,
    });
    return false;
  }
  const length = characterCount(value);
  if (length > OTP_CODE_MAX) {
    errors.push({
      component: 'body',
      placeholder,
      message: `body ${placeholder} (the one-time code) is ${length} characters; Meta allows at most ${OTP_CODE_MAX}`,
      expected: OTP_CODE_MAX,
      received: length,
    });
    return false;
  }
  return true;
}

/** What the recipient sees in place of the placeholder, for the hydrated length check. */
function fallbackText(value: BodyValue): string {
  if (typeof value === 'string') return value;
  return value.type === 'currency' ? value.currency.fallback_value : value.date_time.fallback_value;
}

function bodyParameter(value: BodyValue, parameterName: string | undefined): MetaBodyParameter {
  const name = parameterName === undefined ? {} : { parameter_name: parameterName };
  if (typeof value === 'string') return { type: 'text', text: value, ...name };
  if (value.type === 'currency') {
    const { fallback_value, code, amount_1000 } = value.currency;
    return { type: 'currency', currency: { fallback_value, code, amount_1000 }, ...name };
  }
  return { type: 'date_time', date_time: { fallback_value: value.date_time.fallback_value }, ...name };
}
