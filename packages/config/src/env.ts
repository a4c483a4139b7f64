import { z } from 'zod';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses raw environment strings with a zod schema and reports every problem at once, together
 * with the `alsoRefused` ones the caller found outside the schema (so one message lists them all).
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env, alsoRefused: string[] = []): z.output<S> {
  const result = schema.safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  problems.push(...alsoRefused);
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}

/** An unset variable, or one set to the empty string (as `${VAR:-}` in docker-compose leaves it). */
export const optional = <T extends z.ZodType>(inner: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), inner.optional());

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
