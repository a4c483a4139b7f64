import { hydrate } from '../templates/placeholders';
import type { MetaTemplate } from '../templates/meta-template';
import type { PlaceholderDescription } from '../templates/template-shape';
import { templateShape } from '../templates/template-shape';

/** A text value as shown: a currency or date_time parameter shows its fallback_value. */
function shown(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const parameter = value as { currency?: { fallback_value?: string }; date_time?: { fallback_value?: string } };
  return parameter.currency?.fallback_value ?? parameter.date_time?.fallback_value ?? '';
}

function fill(text: string, placeholders: PlaceholderDescription[], values: unknown): string {
  const byName = new Map<string, string>();
  placeholders.forEach((placeholder, i) => {
    const value = Array.isArray(values)
      ? values[i]
      : (values as Record<string, unknown> | undefined)?.[placeholder.name];
    if (value !== undefined) byName.set(placeholder.name, shown(value));
  });
  return hydrate(text, byName);
}

/**
 * The header and body text a recipient would read, placeholders filled from `variables`
 * (send-message's shape, already checked against the template). Null where the template has no
 * such text (a media header, no body).
 */
export function renderTemplateText(
  template: MetaTemplate,
  variables: readonly { type: string; values?: unknown }[],
): { header: string | null; body: string | null } {
  const shape = templateShape(template);
  const valuesOf = (type: string) => variables.find((v) => v.type === type)?.values;
  return {
    header:
      shape.header?.format === 'TEXT' ? fill(shape.header.text, shape.header.placeholders, valuesOf('header')) : null,
    body: shape.body ? fill(shape.body.text, shape.body.placeholders, valuesOf('body')) : null,
  };
}
