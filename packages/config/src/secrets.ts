import { z } from 'zod';
import type { Env } from './env';

export const LOCAL_APP_SECRET = 'dak-local-app-secret';
export const LOCAL_VERIFY_TOKEN = 'dak-local-verify-token';
// A fixed key is acceptable only outside production: it keeps local and test data readable
// across restarts.
export const DEVELOPMENT_ENCRYPTION_KEY = '0'.repeat(62) + 'da';

// Dak's own repository publishes these (the local defaults above, and the fallbacks
// docker-compose.yml and the demo seed used to carry), so in production they are no secret.
// Compared case-insensitively: a hex key in capitals is the same key.
const PUBLISHED_VALUES = new Set(
  [
    LOCAL_APP_SECRET,
    LOCAL_VERIFY_TOKEN,
    DEVELOPMENT_ENCRYPTION_KEY,
    'local-admin-token-change-me',
    'EAAGdemoaccesstokenforthelocalsimulator',
  ].map((value) => value.toLowerCase()),
);

const APP_SECRET_HINT = "your Meta app's secret, from App settings > Basic in Meta's app dashboard";

/** What each production secret is and how to make one, for the message that asks for it. */
const PRODUCTION_SECRETS: { names: string; values: (env: Env) => string[]; hint: string }[] = [
  {
    names: 'DAK_ADMIN_TOKEN',
    values: (env) => present(env.DAK_ADMIN_TOKEN),
    hint: 'generate one: openssl rand -hex 24',
  },
  {
    names: 'DAK_ENCRYPTION_KEY',
    values: (env) => present(env.DAK_ENCRYPTION_KEY),
    hint: 'generate one once and keep it, it decrypts the stored Meta access tokens: openssl rand -hex 32',
  },
  { names: 'META_APP_SECRETS or META_APP_SECRET', values: (env) => appSecretsOf(env) ?? [], hint: APP_SECRET_HINT },
  {
    names: 'META_VERIFY_TOKEN',
    values: (env) => present(env.META_VERIFY_TOKEN),
    hint: "a random string you also enter as the webhook's Verify token in Meta's app dashboard: openssl rand -hex 16",
  },
  { names: 'META_GRAPH_URL', values: (env) => present(env.META_GRAPH_URL), hint: 'https://graph.facebook.com' },
];

/** META_APP_SECRETS: the accepted app secrets, comma separated. */
export const appSecretList = z
  .string()
  .refine(
    (list) => list.split(',').every((secret) => secret.trim() !== ''),
    'must be secrets separated by single commas, with no empty item',
  );

function present(value: string | undefined): string[] {
  return value ? [value] : [];
}

/**
 * Every app secret a webhook signature may be made with: META_APP_SECRETS (comma separated,
 * several while one is rotated) or META_APP_SECRET; undefined when neither is set.
 */
export function appSecretsOf(env: {
  META_APP_SECRETS?: string | undefined;
  META_APP_SECRET?: string | undefined;
}): string[] | undefined {
  if (env.META_APP_SECRETS) return env.META_APP_SECRETS.split(',').map((secret) => secret.trim());
  return env.META_APP_SECRET ? [env.META_APP_SECRET] : undefined;
}

/**
 * The secret settings the schema cannot judge alone: both app-secret variables at once (which
 * one would win is a guess, and a forgotten old secret would stay accepted), and, in
 * production, every secret missing or set to a value Dak publishes.
 */
export function secretProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.META_APP_SECRETS && env.META_APP_SECRET) {
    problems.push(
      'META_APP_SECRET: set either META_APP_SECRETS (every accepted secret, comma separated) or META_APP_SECRET, not both',
    );
  }
  if (env.NODE_ENV !== 'production') return problems;
  for (const secret of PRODUCTION_SECRETS) {
    const values = secret.values(env);
    if (values.length === 0) problems.push(`${secret.names}: required in production (${secret.hint})`);
    else if (values.some((value) => PUBLISHED_VALUES.has(value.toLowerCase()))) {
      problems.push(
        `${secret.names}: refused in production, this value is published in Dak's repository so anyone can use it (${secret.hint})`,
      );
    }
  }
  return problems;
}
