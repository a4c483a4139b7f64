import type { ParameterFormat } from './meta-template';

// Meta writes placeholders as `{{1}}` or `{{first_name}}`; spaces inside the braces are
// tolerated because hand-made templates in the wild carry them.
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/**
 * The distinct placeholder names of a template text, without braces. Positional names come
 * sorted numerically (values fill them in that order); named ones in order of appearance.
 */
export function extractPlaceholders(text: string): string[] {
  const names = [...new Set(Array.from(text.matchAll(PLACEHOLDER), (match) => match[1]!))];
  return names.every(isPositionalName) ? names.sort((a, b) => Number(a) - Number(b)) : names;
}

export function isPositionalName(name: string): boolean {
  return /^\d+$/.test(name);
}

export function formatPlaceholder(name: string): string {
  return `{{${name}}}`;
}

/** Replaces each placeholder with its value; unknown ones stay as written. */
export function hydrate(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/**
 * A template without `parameter_format` is POSITIONAL for Meta; rows synced before Meta added
 * the field can still use names, which only NAMED allows, so the text decides then.
 */
export function inferParameterFormat(declared: ParameterFormat | undefined, texts: string[]): ParameterFormat {
  if (declared) return declared;
  const names = texts.flatMap(extractPlaceholders);
  return names.every(isPositionalName) ? 'POSITIONAL' : 'NAMED';
}

/** Length as a reader counts it: an emoji is one character, not two UTF-16 units. */
export function characterCount(text: string): number {
  return [...text].length;
}
