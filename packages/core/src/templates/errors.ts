/**
 * One reason a send's variables do not fit its template. `message` is written for the API
 * caller and names the component and placeholder at fault and what was expected.
 */
export interface TemplateVariableError {
  component: 'header' | 'body' | 'button' | 'variables';
  /** The button index for `button`; the position in `variables` for `variables`. */
  index?: number;
  /** The placeholder at fault, written as in the template: `{{1}}`, `{{first_name}}`. */
  placeholder?: string;
  message: string;
  expected?: unknown;
  received?: unknown;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
