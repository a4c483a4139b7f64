import { plural, type TemplateVariableError } from './errors';
import type { ParameterFormat } from './meta-template';
import type { PlaceholderDescription } from './template-shape';

export interface FilledPlaceholder<V> {
  placeholder: PlaceholderDescription;
  value: V;
}

type Values<V> = V[] | Record<string, V>;

/**
 * Pairs a header's or body's values with its placeholders: a list fills POSITIONAL ones in
 * order, an object fills NAMED ones by name. Returns null (with errors pushed) when the
 * values do not match the placeholders in number, names or form.
 */
export function fillPlaceholders<V>(
  component: 'header' | 'body',
  placeholders: PlaceholderDescription[],
  format: ParameterFormat,
  values: Values<V> | undefined,
  errors: TemplateVariableError[],
): FilledPlaceholder<V>[] | null {
  const given = values === undefined ? 0 : Array.isArray(values) ? values.length : Object.keys(values).length;
  const list = placeholders.map((p) => p.placeholder);
  if (placeholders.length === 0) {
    if (given === 0) return [];
    errors.push({
      component,
      message: `${component} expects no values (its text has no placeholders), got ${given}`,
      expected: [],
      received: given,
    });
    return null;
  }
  if (format === 'NAMED') return fillNamed(component, placeholders, values, errors);
  if (values !== undefined && !Array.isArray(values)) {
    errors.push({
      component,
      message: `${component} expects a list of ${plural(list.length, 'value')} (${list.join(', ')}), got named values`,
      expected: list,
      received: Object.keys(values),
    });
    return null;
  }
  const valueList = values ?? [];
  if (valueList.length !== placeholders.length) {
    const firstMissing = placeholders[valueList.length];
    errors.push({
      component,
      ...(firstMissing ? { placeholder: firstMissing.placeholder } : {}),
      message: `${component} expects ${plural(list.length, 'value')} (${list.join(', ')}), got ${valueList.length}`,
      expected: list,
      received: valueList.length,
    });
    return null;
  }
  return placeholders.map((placeholder, i) => ({ placeholder, value: valueList[i]! }));
}

function fillNamed<V>(
  component: 'header' | 'body',
  placeholders: PlaceholderDescription[],
  values: Values<V> | undefined,
  errors: TemplateVariableError[],
): FilledPlaceholder<V>[] | null {
  const list = placeholders.map((p) => p.placeholder);
  if (Array.isArray(values) && values.length > 0) {
    errors.push({
      component,
      message: `${component} expects named values as an object (${list.join(', ')}), got a list`,
      expected: placeholders.map((p) => p.name),
      received: values.length,
    });
    return null;
  }
  const named: Record<string, V> = values && !Array.isArray(values) ? values : {};
  const before = errors.length;
  for (const p of placeholders) {
    if (!Object.hasOwn(named, p.name)) {
      errors.push({ component, placeholder: p.placeholder, message: `${component} is missing ${p.placeholder}` });
    }
  }
  for (const name of Object.keys(named)) {
    if (!placeholders.some((p) => p.name === name)) {
      errors.push({
        component,
        placeholder: `{{${name}}}`,
        message: `${component} has no placeholder {{${name}}}; its placeholders are ${list.join(', ')}`,
        expected: placeholders.map((p) => p.name),
        received: name,
      });
    }
  }
  if (errors.length > before) return null;
  return placeholders.map((placeholder) => ({ placeholder, value: named[placeholder.name]! }));
}

/**
 * Meta refuses (error 132018) a text parameter with a newline, a tab or more than four
 * consecutive spaces, and an empty one can only be a caller's mistake.
 */
export function checkParameterText(
  text: string,
  where: string,
  error: Omit<TemplateVariableError, 'message'>,
  errors: TemplateVariableError[],
): boolean {
  if (text.trim() === '') {
    errors.push({ ...error, message: `${where} is empty` });
    return false;
  }
  if (/[\n\r\t]/.test(text) || / {5,}/.test(text)) {
    errors.push({
      ...error,
      message: `${where} must not contain newlines, tabs or more than 4 consecutive spaces (Meta refuses them)`,
      received: text,
    });
    return false;
  }
  return true;
}
