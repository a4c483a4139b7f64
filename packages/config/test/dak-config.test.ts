import { ConfigError, LOCAL_DEFAULTS, loadConfig, loadMetaSimConfig, type Env } from '@dak/config';
import { describe, expect, it } from 'vitest';

const DEVELOPMENT_KEY = '0'.repeat(62) + 'da';

/** A production environment with every secret set to a value of its own. */
const production: Env = {
  NODE_ENV: 'production',
  DAK_ADMIN_TOKEN: 'f3b1c2d4e5a60718293a4b5c6d7e8f90',
  DAK_ENCRYPTION_KEY: '4c1f0e9a2b3d5c7e8f60718293a4b5c6d7e8f901a2b3c4d5e6f708192a3b4c5d',
  META_APP_SECRET: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  META_VERIFY_TOKEN: '9e8d7c6b5a4f3e2d',
  META_GRAPH_URL: 'https://graph.facebook.com',
};

function problemsOf(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

const variablesOf = (problems: string[]) => problems.map((problem) => problem.slice(0, problem.indexOf(':')));

describe('loadConfig in production', () => {
  it('starts with its own secrets', () => {
    const config = loadConfig(production);
    expect(config.env).toBe('production');
    expect(config.adminToken).toBe(production.DAK_ADMIN_TOKEN);
    expect(config.encryptionKey.toString('hex')).toBe(production.DAK_ENCRYPTION_KEY);
    expect(config.meta).toMatchObject({
      appSecrets: [production.META_APP_SECRET],
      verifyToken: production.META_VERIFY_TOKEN,
      graphUrl: 'https://graph.facebook.com',
    });
  });

  it('refuses to start with no secret at all, in one message listing each', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(variablesOf(problems)).toEqual([
      'DAK_ADMIN_TOKEN',
      'DAK_ENCRYPTION_KEY',
      'META_APP_SECRETS or META_APP_SECRET',
      'META_VERIFY_TOKEN',
      'META_GRAPH_URL',
    ]);
    for (const problem of problems) expect(problem).toMatch(/: required in production \(.+\)$/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /^Invalid configuration:\n {2}- DAK_ADMIN_TOKEN: required in production \(generate one: openssl rand -hex 24\)\n/,
    );
  });

  it.each([
    ['DAK_ADMIN_TOKEN', 'DAK_ADMIN_TOKEN'],
    ['DAK_ENCRYPTION_KEY', 'DAK_ENCRYPTION_KEY'],
    ['META_APP_SECRET', 'META_APP_SECRETS or META_APP_SECRET'],
    ['META_VERIFY_TOKEN', 'META_VERIFY_TOKEN'],
    ['META_GRAPH_URL', 'META_GRAPH_URL'],
  ])('refuses to start without %s, unset or empty', (variable, named) => {
    const { [variable]: _left, ...without } = production;
    expect(problemsOf(without)).toEqual([expect.stringMatching(new RegExp(`^${named}: required in production`))]);
    expect(problemsOf({ ...production, [variable]: '' })).toEqual([
      expect.stringMatching(new RegExp(`^${named}: required in production`)),
    ]);
  });

  it.each([
    ['DAK_ADMIN_TOKEN', 'local-admin-token-change-me', 'DAK_ADMIN_TOKEN'],
    ['DAK_ADMIN_TOKEN', 'EAAGdemoaccesstokenforthelocalsimulator', 'DAK_ADMIN_TOKEN'],
    ['DAK_ENCRYPTION_KEY', DEVELOPMENT_KEY, 'DAK_ENCRYPTION_KEY'],
    ['DAK_ENCRYPTION_KEY', DEVELOPMENT_KEY.toUpperCase(), 'DAK_ENCRYPTION_KEY'],
    ['META_APP_SECRET', LOCAL_DEFAULTS.appSecret, 'META_APP_SECRETS or META_APP_SECRET'],
    ['META_VERIFY_TOKEN', LOCAL_DEFAULTS.verifyToken, 'META_VERIFY_TOKEN'],
  ])('refuses %s set to the published value %s', (variable, value, named) => {
    expect(problemsOf({ ...production, [variable]: value })).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${named}: refused in production, this value is published in Dak's repository so anyone can use it \\(.+\\)$`,
        ),
      ),
    ]);
  });

  it('refuses a published app secret anywhere in META_APP_SECRETS', () => {
    const { META_APP_SECRET: _single, ...env } = production;
    expect(
      variablesOf(
        problemsOf({ ...env, META_APP_SECRETS: `${production.META_APP_SECRET},${LOCAL_DEFAULTS.appSecret}` }),
      ),
    ).toEqual(['META_APP_SECRETS or META_APP_SECRET']);
  });

  it('lists every published value, missing secret and malformed value in one message', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      DAK_ADMIN_TOKEN: 'local-admin-token-change-me',
      DAK_ENCRYPTION_KEY: DEVELOPMENT_KEY,
      META_APP_SECRET: LOCAL_DEFAULTS.appSecret,
      META_VERIFY_TOKEN: LOCAL_DEFAULTS.verifyToken,
      META_GRAPH_URL: 'graph.facebook.com',
    });
    expect(variablesOf(problems)).toEqual([
      'META_GRAPH_URL',
      'DAK_ADMIN_TOKEN',
      'DAK_ENCRYPTION_KEY',
      'META_APP_SECRETS or META_APP_SECRET',
      'META_VERIFY_TOKEN',
    ]);
    expect(problems.slice(1).every((problem) => problem.includes('published in Dak'))).toBe(true);
  });
});

describe('app secrets for rotation', () => {
  it('reads several secrets from META_APP_SECRETS, trimmed, in order', () => {
    const { META_APP_SECRET: _single, ...env } = production;
    expect(loadConfig({ ...env, META_APP_SECRETS: 'new-secret-2026, old-secret-2025' }).meta.appSecrets).toEqual([
      'new-secret-2026',
      'old-secret-2025',
    ]);
  });

  it('refuses an empty item and both variables at once, in every environment', () => {
    expect(problemsOf({ META_APP_SECRETS: 'a,,b' })).toEqual([
      'META_APP_SECRETS: must be secrets separated by single commas, with no empty item',
    ]);
    expect(problemsOf({ META_APP_SECRETS: 'a,b', META_APP_SECRET: 'c' })).toEqual([
      'META_APP_SECRET: set either META_APP_SECRETS (every accepted secret, comma separated) or META_APP_SECRET, not both',
    ]);
  });

  it('meta-sim signs with META_APP_SECRET or the first of META_APP_SECRETS', () => {
    expect(loadMetaSimConfig({ META_APP_SECRETS: 'new-secret, old-secret' }).appSecret).toBe('new-secret');
    expect(loadMetaSimConfig({ META_APP_SECRET: 'only-secret' }).appSecret).toBe('only-secret');
  });
});

describe('loadConfig outside production', () => {
  it.each(['development', 'test', undefined])('keeps the local defaults (NODE_ENV=%s)', (nodeEnv) => {
    const config = loadConfig(nodeEnv ? { NODE_ENV: nodeEnv } : {});
    expect(config.adminToken).toBeUndefined();
    expect(config.encryptionKey.toString('hex')).toBe(DEVELOPMENT_KEY);
    expect(config.meta).toMatchObject({
      appSecrets: [LOCAL_DEFAULTS.appSecret],
      verifyToken: LOCAL_DEFAULTS.verifyToken,
      graphUrl: 'http://127.0.0.1:3002',
    });
  });
});

describe('callback settings', () => {
  it('allows private callback URLs outside production only, unless CALLBACK_ALLOW_PRIVATE_URLS says otherwise', () => {
    expect(loadConfig({}).callbacks.allowPrivateUrls).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).callbacks.allowPrivateUrls).toBe(true);
    expect(loadConfig(production).callbacks.allowPrivateUrls).toBe(false);
    expect(loadConfig({ ...production, CALLBACK_ALLOW_PRIVATE_URLS: '' }).callbacks.allowPrivateUrls).toBe(false);
    expect(loadConfig({ ...production, CALLBACK_ALLOW_PRIVATE_URLS: 'true' }).callbacks.allowPrivateUrls).toBe(true);
    expect(loadConfig({ CALLBACK_ALLOW_PRIVATE_URLS: '0' }).callbacks.allowPrivateUrls).toBe(false);
    expect(() => loadConfig({ CALLBACK_ALLOW_PRIVATE_URLS: 'yes' })).toThrow(/CALLBACK_ALLOW_PRIVATE_URLS/);
  });

  it('defaults to 64 in flight, 10 s timeout, retries from 10 s up to 1 h for 24 h, disabling after 3 days', () => {
    expect(loadConfig({}).callbacks).toMatchObject({
      concurrency: 64,
      timeoutMs: 10_000,
      retryBaseMs: 10_000,
      retryMaxDelayMs: 3_600_000,
      retryWindowMs: 86_400_000,
      disableAfterMs: 259_200_000,
      retentionDays: 30,
    });
  });
});

describe('opt-out keywords', () => {
  it('unset means the defaults; a list is trimmed; an empty opt-in list means opting back in only by hand', () => {
    expect(loadConfig({}).contacts).toEqual({ optOutKeywords: undefined, optInKeywords: undefined });
    expect(loadConfig({ OPT_OUT_KEYWORDS: ' STOP , nahi chahiye,, ', OPT_IN_KEYWORDS: '' }).contacts).toEqual({
      optOutKeywords: ['STOP', 'nahi chahiye'],
      optInKeywords: [],
    });
  });
});

describe('retention settings', () => {
  it("keeps customers' messages 90 days and kept media 30 days unless told otherwise", () => {
    expect(loadConfig({}).retention).toEqual({ eventDays: 30, inboundDays: 90 });
    expect(loadConfig({}).media.retentionDays).toBe(30);
    const set = loadConfig({ INBOUND_RETENTION_DAYS: '365', MEDIA_RETENTION_DAYS: '7' });
    expect(set.retention.inboundDays).toBe(365);
    expect(set.media.retentionDays).toBe(7);
  });

  it('refuses a retention under a day or over ten years, naming each variable', () => {
    expect(variablesOf(problemsOf({ INBOUND_RETENTION_DAYS: '0', MEDIA_RETENTION_DAYS: '3651' }))).toEqual([
      'INBOUND_RETENTION_DAYS',
      'MEDIA_RETENTION_DAYS',
    ]);
    expect(variablesOf(problemsOf({ MEDIA_RETENTION_DAYS: 'a month' }))).toEqual(['MEDIA_RETENTION_DAYS']);
  });
});

describe('messaging tier sync', () => {
  it('reads the tiers from Meta hourly unless told otherwise; 0 turns it off; a few ms is refused', () => {
    expect(loadConfig({}).messagingTierSync).toEqual({ intervalMs: 3_600_000 });
    expect(loadConfig({ MESSAGING_TIER_SYNC_INTERVAL_MS: '0' }).messagingTierSync.intervalMs).toBe(0);
    expect(variablesOf(problemsOf({ MESSAGING_TIER_SYNC_INTERVAL_MS: '50' }))).toEqual([
      'MESSAGING_TIER_SYNC_INTERVAL_MS',
    ]);
  });
});
