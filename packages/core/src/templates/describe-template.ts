import type { MetaTemplate, ParameterFormat } from './meta-template';
import type { SendVariable } from './send-variables';
import { templateShape, type PlaceholderDescription, type TemplateShape } from './template-shape';

/** What `get-template-by-id` adds to the synced template: what to send, and a ready example. */
export interface TemplateDescription extends TemplateShape {
  /** Ready to send: every placeholder filled with Meta's example. */
  variables: SendVariable[];
}

/**
 * Meta keeps no example for a location header (it is chosen per send), so the ready-made
 * variables use the location of Meta's own documentation examples.
 */
export const SAMPLE_LOCATION = {
  latitude: 37.483307,
  longitude: -122.148981,
  name: 'Meta Headquarters',
  address: '1 Hacker Way, Menlo Park, CA 94025',
} as const;

export function describeTemplate(template: MetaTemplate): TemplateDescription {
  const shape = templateShape(template);
  return { ...shape, variables: exampleVariables(shape) };
}

function exampleVariables(shape: TemplateShape): SendVariable[] {
  const variables: SendVariable[] = [];
  const { header, body, parameter_format: format } = shape;
  if (header?.format === 'TEXT' && header.placeholders.length > 0) {
    variables.push({ type: 'header', values: exampleValues(header.placeholders, format) });
  } else if (header?.format === 'LOCATION') {
    variables.push({ type: 'header', location: { ...SAMPLE_LOCATION } });
  } else if (header && 'media_type' in header && header.example !== null) {
    // Without Meta's sample there is no link to offer; the description's `example: null` says so.
    variables.push({ type: 'header', media: { type: header.media_type, link: header.example } });
  }
  if (body && body.placeholders.length > 0) {
    variables.push({ type: 'body', values: exampleValues(body.placeholders, format) });
  }
  for (const button of shape.buttons) {
    // Only what a send needs: optional payloads and flow tokens are left to Meta's defaults,
    // and an authentication code button repeats the body's code by itself.
    if (button.takes === 'url_suffix' || button.takes === 'coupon_code') {
      variables.push({ type: 'button', index: button.index, values: [button.example ?? 'example'] });
    }
  }
  return variables;
}

// A placeholder Meta gave no example for (rare: Meta asks for one at review) is filled with
// its own name, which passes every check and shows the caller where it lands.
function exampleValues(
  placeholders: PlaceholderDescription[],
  format: ParameterFormat,
): string[] | Record<string, string> {
  const value = (p: PlaceholderDescription) => p.example ?? p.name;
  if (format === 'NAMED') return Object.fromEntries(placeholders.map((p) => [p.name, value(p)]));
  return placeholders.map(value);
}
