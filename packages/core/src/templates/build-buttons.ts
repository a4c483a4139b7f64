import type { TemplateVariableError } from './errors';
import { isHttpUrl } from './build-header';
import { BUTTON_URL_MAX, COUPON_CODE_MAX, FLOW_TOKEN_MAX, QUICK_REPLY_PAYLOAD_MAX } from './limits';
import type { MetaButtonSendComponent } from './meta-send-components';
import { characterCount } from './placeholders';
import type { ButtonVariable } from './send-variables';
import type { ButtonDescription } from './template-shape';

/**
 * One send component per button that needs one, in index order. `otpCode` is the body's code
 * in an authentication template: the code button repeats it, so a caller may leave it out.
 */
export function buildButtons(
  buttons: ButtonDescription[],
  entries: ReadonlyMap<number, ButtonVariable>,
  skip: ReadonlySet<number>,
  otpCode: string | null,
  errors: TemplateVariableError[],
): MetaButtonSendComponent[] {
  for (const index of entries.keys()) {
    if (index >= buttons.length) {
      errors.push({
        component: 'button',
        index,
        message: `button ${index} does not exist; ${existingButtons(buttons.length)}`,
        expected: buttons.map((b) => b.index),
        received: index,
      });
    }
  }
  return buttons.flatMap((button) => {
    if (skip.has(button.index)) return [];
    const component = buildButton(button, entries.get(button.index), otpCode, errors);
    return component ? [component] : [];
  });
}

function existingButtons(count: number): string {
  if (count === 0) return 'the template has no buttons';
  if (count === 1) return 'the template has only button 0';
  return `the template has buttons 0–${count - 1}`;
}

/** How a button is named in messages: its Meta type, and OTP for an authentication code button. */
function label(button: ButtonDescription): string {
  return `button ${button.index} (${button.takes === 'otp_code' ? 'OTP' : button.type})`;
}

/** What a button's one value is, for messages. */
const VALUE_NAME: Record<Exclude<ButtonDescription['takes'], 'nothing' | 'unsupported'>, string> = {
  url_suffix: 'URL suffix',
  payload: 'payload',
  coupon_code: 'coupon code',
  otp_code: 'one-time code',
  flow_token: 'flow token',
};

function buildButton(
  button: ButtonDescription,
  entry: ButtonVariable | undefined,
  otpCode: string | null,
  errors: TemplateVariableError[],
): MetaButtonSendComponent | null {
  const at = { component: 'button' as const, index: button.index };
  if (button.takes === 'unsupported') {
    errors.push({ ...at, message: `${label(button)} is a button type Dak cannot send` });
    return null;
  }
  if (entry?.sub_type !== undefined && entry.sub_type !== button.sub_type) {
    errors.push({
      ...at,
      message: `button ${button.index} is a ${button.type} button (sub_type ${button.sub_type}), not ${entry.sub_type}`,
      expected: button.sub_type,
      received: entry.sub_type,
    });
    return null;
  }
  const values = entry?.values ?? [];
  if (button.takes === 'nothing') {
    if (values.length === 0) return null;
    const why = button.type === 'URL' ? ' (its URL is static)' : '';
    errors.push({
      ...at,
      message: `${label(button)} expects no values${why}, got ${values.length}`,
      expected: 0,
      received: values.length,
    });
    return null;
  }
  if (values.length > 1 || (button.required && values.length === 0)) {
    const count = button.required ? `1 value` : 'at most 1 value';
    errors.push({
      ...at,
      message: `${label(button)} expects ${count} (the ${VALUE_NAME[button.takes]}), got ${values.length}`,
      expected: 1,
      received: values.length,
    });
    return null;
  }
  const value = values[0];
  if (value !== undefined && value.trim() === '') {
    errors.push({ ...at, message: `${label(button)} ${VALUE_NAME[button.takes]} is empty` });
    return null;
  }
  const index = String(button.index);
  switch (button.takes) {
    case 'url_suffix':
      return value !== undefined && checkUrlSuffix(button, value, errors) ? urlComponent(index, value) : null;
    case 'otp_code':
      return otpComponent(button, value, otpCode, errors);
    case 'payload':
      if (value === undefined) return null; // Meta then echoes the button's text as the payload.
      if (!withinLimit(button, VALUE_NAME.payload, value, QUICK_REPLY_PAYLOAD_MAX, 'Dak', errors)) return null;
      return { type: 'button', sub_type: 'quick_reply', index, parameters: [{ type: 'payload', payload: value }] };
    case 'coupon_code':
      if (value === undefined || !withinLimit(button, VALUE_NAME.coupon_code, value, COUPON_CODE_MAX, 'Meta', errors))
        return null;
      return {
        type: 'button',
        sub_type: 'copy_code',
        index,
        parameters: [{ type: 'coupon_code', coupon_code: value }],
      };
    case 'flow_token':
      if (value === undefined) return null; // Meta then uses its default token, "unused".
      if (!withinLimit(button, VALUE_NAME.flow_token, value, FLOW_TOKEN_MAX, 'Dak', errors)) return null;
      return {
        type: 'button',
        sub_type: 'flow',
        index,
        parameters: [{ type: 'action', action: { flow_token: value } }],
      };
  }
}

function urlComponent(index: string, suffix: string): MetaButtonSendComponent {
  return { type: 'button', sub_type: 'url', index, parameters: [{ type: 'text', text: suffix }] };
}

function otpComponent(
  button: ButtonDescription,
  value: string | undefined,
  otpCode: string | null,
  errors: TemplateVariableError[],
): MetaButtonSendComponent | null {
  // Without a valid body code there is nothing to repeat; the body's own error says why.
  if (otpCode === null) return value === undefined ? null : urlComponent(String(button.index), value);
  if (value !== undefined && value !== otpCode) {
    errors.push({
      component: 'button',
      index: button.index,
      message: `${label(button)} must carry the same code as the body's {{1}}; leave it out and Dak fills it`,
      expected: otpCode,
      received: value,
    });
    return null;
  }
  return urlComponent(String(button.index), otpCode);
}

function checkUrlSuffix(button: ButtonDescription, suffix: string, errors: TemplateVariableError[]): boolean {
  const at = { component: 'button' as const, index: button.index };
  if (/\s/.test(suffix)) {
    errors.push({
      ...at,
      message: `${label(button)} URL suffix must not contain whitespace; URL-encode it`,
      received: suffix,
    });
    return false;
  }
  // A function replacement, so a `$&` in the suffix is taken literally.
  const url = (button.url ?? '').replace('{{1}}', () => suffix);
  if (!isHttpUrl(url)) {
    errors.push({
      ...at,
      message: `${label(button)} gives "${url}" once filled, which is not an http(s) URL`,
      received: url,
    });
    return false;
  }
  const length = characterCount(url);
  if (length > BUTTON_URL_MAX) {
    errors.push({
      ...at,
      message: `${label(button)} URL is ${length} characters once filled; Meta allows at most ${BUTTON_URL_MAX}`,
      expected: BUTTON_URL_MAX,
      received: length,
    });
    return false;
  }
  return true;
}

function withinLimit(
  button: ButtonDescription,
  name: string,
  value: string,
  max: number,
  whose: 'Meta' | 'Dak',
  errors: TemplateVariableError[],
): boolean {
  const length = characterCount(value);
  if (length <= max) return true;
  errors.push({
    component: 'button',
    index: button.index,
    message: `${label(button)} ${name} is ${length} characters; ${whose} allows at most ${max}`,
    expected: max,
    received: length,
  });
  return false;
}
