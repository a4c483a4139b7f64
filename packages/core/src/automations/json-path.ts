import { JSONPath } from 'jsonpath-plus';

// JSONPath into an external system's event. Only a safe subset is accepted: member names
// (`.name`, `['name']`), array indexes (`[0]`, `[-1]`), wildcards (`.*`, `[*]`) and recursive
// descent (`..name`). Filters and script expressions (`[?(…)]`, `[(…)]`) are refused when the
// automation is created, and jsonpath-plus runs with `eval: false`, so a path can never run code.

const NAME = String.raw`[A-Za-z_$][\w$-]*`;
const QUOTED = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`;
const SEGMENT = String.raw`(?:\.\.?(?:${NAME}|\*)|\.\.(?=\[)|\[(?:-?\d+|\*|${QUOTED})\])`;
const PATH = new RegExp(String.raw`^\$(?:${SEGMENT})*$`);

/** The longest path accepted; a real one into an order or a CRM record is far shorter. */
export const JSON_PATH_MAX = 256;

/** Why `path` is not an accepted JSONPath, or null when it is. */
export function jsonPathProblem(path: string): string | null {
  if (path.length > JSON_PATH_MAX) return `must be at most ${JSON_PATH_MAX} characters`;
  if (!path.startsWith('$')) return `"${path}" is not a JSONPath: start at the event's root, e.g. "$.customer.phone"`;
  // Also inside quotes: jsonpath-plus reads $['?(…)'] and $['(…)'] as expressions too.
  if (/\[\s*['"]?\s*\??\(/.test(path))
    return `"${path}" uses a filter or script expression, which Dak does not run; name the field, e.g. "$.line_items[0].title"`;
  if (path.includes(';')) return `"${path}" contains ";", which JSONPath uses between paths; name one field`;
  if (!PATH.test(path))
    return `"${path}" is not a JSONPath Dak accepts: use member names ($.customer.first_name or $['first name']), indexes ([0], [-1]), * and ..`;
  return null;
}

/**
 * The first value the path selects in `json`, or undefined when it selects nothing. A path that
 * matches several values (a wildcard) gives the first, in document order.
 */
export function selectFirst(json: unknown, path: string): unknown {
  if (json === null || typeof json !== 'object') return path === '$' ? json : undefined;
  try {
    const found = JSONPath({ path, json: json as object, eval: false, wrap: true }) as unknown[];
    return found[0];
  } catch {
    // A path the library refuses (one stored before today's checks) selects nothing.
    return undefined;
  }
}
