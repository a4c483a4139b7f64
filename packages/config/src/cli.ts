import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LOCAL_DEFAULTS } from './dak';
import { parseEnv, type Env } from './env';

/** Where `npm start` keeps the secrets it generated, relative to the directory it ran in. */
export const LOCAL_SECRETS_FILE = join('.dak', 'local.env');

export interface CliConfig {
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  /** undefined when no flag, variable or local secrets file gave one. */
  adminToken: string | undefined;
  /** Where the token came from, for the message when it is refused. */
  tokenSource: 'flag' | 'env' | 'local-file' | 'none';
}

const schema = z.object({
  DAK_API_URL: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL such as http://127.0.0.1:3000' })
    .default(`http://127.0.0.1:${LOCAL_DEFAULTS.ports.api}`),
  DAK_ADMIN_TOKEN: z.string().min(1).optional(),
});

/** `KEY=value` lines, as scripts/start.ts writes them. */
export function readLocalSecrets(file: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}

/**
 * The `dak` CLI's settings. Flags win over the environment; with neither giving a token, the
 * admin token `npm start` saved in `<cwd>/.dak/local.env` is used, so a local operator needs
 * no setup.
 */
export function loadCliConfig(
  env: Env = process.env,
  flags: { url?: string; token?: string } = {},
  cwd = process.cwd(),
): CliConfig {
  const raw = parseEnv(schema, {
    DAK_API_URL: flags.url ?? (env.DAK_API_URL || undefined),
    DAK_ADMIN_TOKEN: flags.token ?? (env.DAK_ADMIN_TOKEN || undefined),
  });
  const apiUrl = raw.DAK_API_URL.replace(/\/+$/, '');
  if (flags.token !== undefined) return { apiUrl, adminToken: raw.DAK_ADMIN_TOKEN, tokenSource: 'flag' };
  if (raw.DAK_ADMIN_TOKEN) return { apiUrl, adminToken: raw.DAK_ADMIN_TOKEN, tokenSource: 'env' };
  const file = join(cwd, LOCAL_SECRETS_FILE);
  const local = existsSync(file) ? readLocalSecrets(file).DAK_ADMIN_TOKEN : undefined;
  return local
    ? { apiUrl, adminToken: local, tokenSource: 'local-file' }
    : { apiUrl, adminToken: undefined, tokenSource: 'none' };
}
