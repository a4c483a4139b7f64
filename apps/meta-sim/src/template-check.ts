import { MetaApiError } from './meta-errors';
import type { MetaTemplate, TemplateButton, TemplateComponent } from './types';

/** Meta's limits on hydrated template text. */
export const LIMITS = { bodyChars: 1_024, headerChars: 60, couponChars: 15 } as const;

type Json = Record<string, unknown>;

interface SentComponent {
  type: string;
  sub_type?: unknown;
  index?: unknown;
  parameters?: unknown;
}

const POSITIONAL = /\{\{\s*(\d+)\s*\}\}/g;
const NAMED = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
const MEDIA_FORMATS = new Set(['IMAGE', 'VIDEO', 'DOCUMENT']);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The placeholders of a piece of template text, in order of first appearance. */
export function placeholders(text: string | undefined, format: 'POSITIONAL' | 'NAMED'): string[] {
  if (!text) return [];
  const seen = new Set<string>();
  for (const match of text.matchAll(format === 'NAMED' ? NAMED : POSITIONAL)) seen.add(match[1] as string);
  return [...seen];
}

/**
 * Checks a template send against the stored template the way the Cloud API does, throwing
 * the error Meta would answer with. The template's status is checked by the caller.
 */
export function checkTemplateParameters(template: MetaTemplate, sent: Json): void {
  const format = template.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const given = groupComponents(sent.components);
  const header = template.components.find((c) => c.type.toUpperCase() === 'HEADER');
  const body = template.components.find((c) => c.type.toUpperCase() === 'BODY');
  const buttons = template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];

  checkHeader(header, given.header, format);
  const hydrated = checkTextComponent('body', body?.text, given.body, format, ['text', 'currency', 'date_time']);
  if (hydrated.length > LIMITS.bodyChars) {
    throw new MetaApiError(
      132005,
      `body text is ${hydrated.length} characters after substitution; the limit is ${LIMITS.bodyChars}`,
    );
  }
  checkButtons(buttons, given.buttons);
}

function groupComponents(raw: unknown): {
  header?: SentComponent;
  body?: SentComponent;
  buttons: Map<number, SentComponent>;
} {
  const out: { header?: SentComponent; body?: SentComponent; buttons: Map<number, SentComponent> } = {
    buttons: new Map(),
  };
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) throw new MetaApiError(100, 'template.components must be an array');
  for (const item of raw) {
    if (!isObject(item) || typeof item.type !== 'string') {
      throw new MetaApiError(131008, 'each template component needs a type');
    }
    const component = { ...item, type: item.type.toLowerCase() } as SentComponent;
    if (component.type === 'header' || component.type === 'body') {
      if (out[component.type]) throw new MetaApiError(100, `more than one ${component.type} component`);
      out[component.type] = component;
    } else if (component.type === 'button') {
      const index = Number(component.index);
      if (component.index === undefined || !Number.isInteger(index) || index < 0 || index > 9) {
        throw new MetaApiError(131009, `button index ${JSON.stringify(component.index)} is not valid; use "0" to "9"`);
      }
      if (out.buttons.has(index)) throw new MetaApiError(100, `more than one button component with index ${index}`);
      out.buttons.set(index, component);
    } else {
      throw new MetaApiError(100, `component type ${JSON.stringify(item.type)} is not valid`);
    }
  }
  return out;
}

function parametersOf(component: SentComponent | undefined): Json[] {
  if (!component || component.parameters === undefined) return [];
  if (!Array.isArray(component.parameters))
    throw new MetaApiError(100, `${component.type}.parameters must be an array`);
  return component.parameters.map((p) => {
    if (!isObject(p) || typeof p.type !== 'string')
      throw new MetaApiError(131008, `every ${component.type} parameter needs a type`);
    return p;
  });
}

function checkHeader(
  header: TemplateComponent | undefined,
  sent: SentComponent | undefined,
  format: 'POSITIONAL' | 'NAMED',
): void {
  const headerFormat = (header?.format ?? 'TEXT').toUpperCase();
  if (!header || headerFormat === 'TEXT') {
    const hydrated = checkTextComponent('header', header?.text, sent, format, ['text']);
    if (hydrated.length > LIMITS.headerChars) {
      throw new MetaApiError(
        132005,
        `header text is ${hydrated.length} characters after substitution; the limit is ${LIMITS.headerChars}`,
      );
    }
    return;
  }
  const params = parametersOf(sent);
  const expected = headerFormat.toLowerCase();
  if (params.length === 0) throw new MetaApiError(131008, `header: a ${expected} parameter is required`);
  if (params.length > 1) throw new MetaApiError(132000, `header: expected 1 parameter, received ${params.length}`);
  const param = params[0] as Json;
  if (param.type !== expected) {
    throw new MetaApiError(132012, `header: expected a ${expected} parameter, received ${String(param.type)}`);
  }
  const value = param[expected];
  if (headerFormat === 'LOCATION') {
    if (!isObject(value) || value.latitude === undefined || value.longitude === undefined) {
      throw new MetaApiError(131008, 'header: location needs latitude and longitude');
    }
    return;
  }
  if (MEDIA_FORMATS.has(headerFormat)) {
    if (!isObject(value) || (value.link === undefined && value.id === undefined)) {
      throw new MetaApiError(131008, `header: ${expected} needs a link or an id`);
    }
    if (value.link !== undefined && (typeof value.link !== 'string' || !/^https?:\/\/\S+$/i.test(value.link))) {
      throw new MetaApiError(131009, `header: ${expected}.link must be an http(s) URL`);
    }
  }
}

/** Checks the text parameters of a header or body and returns the hydrated text. */
function checkTextComponent(
  where: 'header' | 'body',
  text: string | undefined,
  sent: SentComponent | undefined,
  format: 'POSITIONAL' | 'NAMED',
  allowed: string[],
): string {
  const names = placeholders(text, format);
  const params = parametersOf(sent);
  if (params.length !== names.length) {
    throw new MetaApiError(132000, `${where}: expected ${names.length} parameters, received ${params.length}`);
  }
  const values = new Map<string, string>();
  params.forEach((param, i) => {
    if (!allowed.includes(param.type as string)) {
      throw new MetaApiError(
        132012,
        `${where}: parameter ${i + 1} has type ${String(param.type)}; expected ${allowed.join(' or ')}`,
      );
    }
    const named = param.parameter_name;
    if (format === 'NAMED' && typeof named !== 'string') {
      throw new MetaApiError(
        132012,
        `${where}: this template uses NAMED parameters; parameter ${i + 1} has no parameter_name`,
      );
    }
    if (format === 'POSITIONAL' && named !== undefined) {
      throw new MetaApiError(
        132012,
        `${where}: this template uses POSITIONAL parameters; parameter ${i + 1} has a parameter_name`,
      );
    }
    const key = format === 'NAMED' ? (named as string) : (names[i] as string);
    if (format === 'NAMED' && !names.includes(key)) {
      throw new MetaApiError(
        132000,
        `${where}: parameter_name ${key} is not in the template (expected ${names.join(', ')})`,
      );
    }
    values.set(key, parameterText(where, param, i));
  });
  if (!text) return '';
  return text.replace(format === 'NAMED' ? NAMED : POSITIONAL, (_match, key: string) => values.get(key) ?? '');
}

function parameterText(where: string, param: Json, i: number): string {
  if (param.type === 'text') {
    if (typeof param.text !== 'string' || param.text.length === 0) {
      throw new MetaApiError(131008, `${where}: parameter ${i + 1} is missing its text`);
    }
    if (/[\n\t]/.test(param.text) || / {5,}/.test(param.text)) {
      throw new MetaApiError(100, 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces');
    }
    return param.text;
  }
  const value = param[param.type as string];
  if (!isObject(value) || typeof value.fallback_value !== 'string') {
    throw new MetaApiError(131008, `${where}: parameter ${i + 1} (${String(param.type)}) needs a fallback_value`);
  }
  if (param.type === 'currency' && (typeof value.code !== 'string' || typeof value.amount_1000 !== 'number')) {
    throw new MetaApiError(131008, `${where}: parameter ${i + 1} (currency) needs code and amount_1000`);
  }
  return value.fallback_value;
}

const BUTTON_PARAMS: Record<string, { subType: string; param: string; required: boolean }> = {
  URL: { subType: 'url', param: 'text', required: true },
  OTP: { subType: 'url', param: 'text', required: true },
  COPY_CODE: { subType: 'copy_code', param: 'coupon_code', required: true },
  QUICK_REPLY: { subType: 'quick_reply', param: 'payload', required: false },
  FLOW: { subType: 'flow', param: 'action', required: false },
};

/** What a template button takes when sent, or undefined when it takes nothing. */
export function buttonParameter(
  button: TemplateButton,
): { subType: string; param: string; required: boolean } | undefined {
  const kind = button.type.toUpperCase();
  if (kind === 'URL') return button.url && /\{\{.+?\}\}/.test(button.url) ? BUTTON_PARAMS.URL : undefined;
  return BUTTON_PARAMS[kind];
}

function checkButtons(buttons: TemplateButton[], sent: Map<number, SentComponent>): void {
  for (const [index, component] of sent) {
    const button = buttons[index];
    if (!button)
      throw new MetaApiError(
        131009,
        `button index ${index} does not exist in the template (${buttons.length} buttons)`,
      );
    const expected = buttonParameter(button);
    const params = parametersOf(component);
    if (!expected) {
      if (params.length > 0)
        throw new MetaApiError(
          132000,
          `button ${index} (${button.type}) takes no parameters, received ${params.length}`,
        );
      continue;
    }
    if (String(component.sub_type ?? '').toLowerCase() !== expected.subType) {
      throw new MetaApiError(131009, `button ${index} is ${button.type}; its sub_type must be ${expected.subType}`);
    }
    if (params.length > 1)
      throw new MetaApiError(132000, `button ${index}: expected 1 parameter, received ${params.length}`);
    const param = params[0];
    if (!param) {
      if (expected.required)
        throw new MetaApiError(131008, `button ${index} (${button.type}) requires a ${expected.param} parameter`);
      continue;
    }
    if (param.type !== expected.param) {
      throw new MetaApiError(
        132012,
        `button ${index}: expected a ${expected.param} parameter, received ${String(param.type)}`,
      );
    }
    const value = param[expected.param];
    if (value === undefined || value === '')
      throw new MetaApiError(131008, `button ${index}: ${expected.param} is missing`);
    if (expected.param === 'coupon_code' && String(value).length > LIMITS.couponChars) {
      throw new MetaApiError(131009, `button ${index}: coupon_code is longer than ${LIMITS.couponChars} characters`);
    }
  }
  buttons.forEach((button, index) => {
    if (buttonParameter(button)?.required && !sent.has(index)) {
      throw new MetaApiError(131008, `button ${index} (${button.type}) requires a parameter`);
    }
  });
}
