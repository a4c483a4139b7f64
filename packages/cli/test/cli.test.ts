import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { announced, DEMO, startStack, type TestStack } from '@dak/dev-env';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
// An absolute loader, so the CLI can also run from a directory without node_modules.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dak …` as a real child process; never rejects, the exit code is part of the result. */
function dak(
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env?.DAK_ADMIN_TOKEN) delete env.DAK_ADMIN_TOKEN;
  if (!options.env?.DAK_API_URL) delete env.DAK_API_URL;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', tsxLoader, main, ...args],
      { cwd: options.cwd ?? process.cwd(), env },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin!.end(options.stdin ?? '');
  });
}

// Each command is a fresh Node process starting tsx (about a second), hence the longer timeout.
describe('the dak CLI against a running API', { timeout: 60_000 }, () => {
  let stack: TestStack;
  let globals: string[];
  /** What the first test created, for the second. */
  let made: { accountId: string; keyId: string; key: string };
  /** Runs a command that must succeed and returns its JSON. */
  const json = async (...args: string[]) => {
    const run = await dak([...globals, ...args]);
    expect(run.code, `dak ${args.join(' ')}\n${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    globals = ['--url', stack.api.url, '--token', stack.adminToken];
  });
  afterAll(() => stack?.close());

  it('creates an account, adds its number, issues a key, tops up, syncs templates and shows the wallet', async () => {
    const account = await json(
      'accounts',
      'create',
      '--name',
      'CLI Store',
      '--waba-id',
      DEMO.wabaId,
      '--category-price',
      'MARKETING=0.20',
    );
    expect(account).toMatchObject({
      id: expect.stringMatching(/^acc_/),
      name: 'CLI Store',
      waba_id: DEMO.wabaId,
      price: '0.10',
      category_prices: { MARKETING: '0.20' },
    });

    // `--access-token -` reads the token from stdin, keeping it out of argv.
    const added = await dak(
      [
        ...globals,
        'phone-numbers',
        'add',
        account.id,
        '--phone-number-id',
        DEMO.metaPhoneNumberId,
        '--display',
        DEMO.displayPhoneNumber,
        '--access-token',
        '-',
        '--mps',
        '40',
      ],
      {
        stdin: `${stack.accessToken}\n`,
      },
    );
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ phone_number_id: DEMO.metaPhoneNumberId, mps: 40 });
    expect(added.stdout).not.toContain(stack.accessToken);

    const created = await dak([
      ...globals,
      'api-keys',
      'create',
      account.id,
      '--name',
      'production',
      '--requests-per-second',
      '7',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.key).toMatch(/^dak_/);
    expect(key.requests_per_second).toBe(7);
    expect(created.stderr).toMatch(/cannot be shown again/);
    expect((await stack.call('GET', '/api/whatsapp/v1/wallet', { key: key.key })).status).toBe(200);

    expect(await json('wallet', 'topup', account.id, '25.50', '--reference', 'inv-7')).toMatchObject({
      replayed: false,
      wallet: { available: '25.50' },
    });
    expect(await json('wallet', 'topup', account.id, '25.50', '--reference', 'inv-7')).toMatchObject({
      replayed: true,
      wallet: { available: '25.50' },
    });

    expect(await json('templates', 'sync', account.id)).toEqual({
      synced: Object.keys(templateFixtures).length,
      deleted: 0,
    });

    expect(await json('wallet', 'show', account.id)).toEqual({
      currency: 'INR',
      available: '25.50',
      held: '0.00',
      captured: '0.00',
      refunded: '0.00',
      topped_up: '25.50',
      debt: '0.00',
      low_balance_threshold: '100.00',
    });
    expect(await json('accounts', 'update', account.id, '--charge-free-messages', 'yes')).toMatchObject({
      charge_free_messages: true,
    });
    expect(await json('accounts', 'update', account.id, '--charge-free-messages', 'no')).toMatchObject({
      charge_free_messages: false,
    });
    const quiet = await dak([...globals, '--quiet', 'wallet', 'show', account.id]);
    expect(quiet.stdout).toBe('available 25.50 INR\theld 0.00\n');

    made = { accountId: account.id, keyId: key.id, key: key.key };
  });

  it('covers the rest of the surface in the short form (--quiet)', async () => {
    const { accountId, keyId, key } = made;
    const short = async (...args: string[]) => {
      const run = await dak([...globals, '-q', ...args]);
      expect(run.code, `dak ${args.join(' ')}\n${run.stderr}`).toBe(0);
      return run.stdout;
    };
    // Changes first, then the reads side by side (each is its own process).
    expect(
      await short(
        'accounts',
        'update',
        accountId,
        '--price',
        '0.15',
        '--clear-category-prices',
        '--requests-per-second',
        '50',
        '--messaging-tier',
        '10,000',
      ),
    ).toBe(`${accountId}\tprice 0.15\tno category prices\t50 req/s\ttier 10000\n`);
    const [unlimited, keyUpdated, phoneUpdated] = await Promise.all([
      short('accounts', 'update', accountId, '--requests-per-second', 'none', '--messaging-tier', 'unlimited'),
      short('api-keys', 'update', keyId, '--requests-per-second', '9'),
      short('phone-numbers', 'update', DEMO.metaPhoneNumberId, '--mps', '120'),
    ]);
    expect(unlimited).toBe(`${accountId}\tprice 0.15\tno category prices\tno account limit\ttier unlimited\n`);
    stack.sim.control.updateBusiness(DEMO.wabaId, { messaging_limit_tier: 'TIER_2K' });
    expect(await short('accounts', 'sync-tier', accountId)).toBe(
      `tier 2000\tfrom meta\tchanged\n${DEMO.metaPhoneNumberId}\t2000\n`,
    );
    expect(keyUpdated).toBe(`${keyId}\tproduction\t9 req/s\n`);
    expect(phoneUpdated).toMatch(/^pn_\S+\t15550783881\t120 mps\n$/);
    // The API dropped the key it had cached (the first test used it) once it heard of the revocation.
    const revoked = await announced(stack.api.ctx.changes, 'api_keys', accountId, () =>
      short('api-keys', 'revoke', keyId),
    );
    expect(revoked).toMatch(new RegExp(`^${keyId}\\trevoked \\d{4}-`));
    const [accounts, shown, phones, templates, ledger, keys] = await Promise.all([
      short('accounts', 'list'),
      short('accounts', 'show', accountId),
      short('phone-numbers', 'list', accountId),
      short('templates', 'list', accountId),
      short('wallet', 'ledger', accountId, '--limit', '1'),
      short('api-keys', 'list', accountId),
    ]);
    expect(accounts).toBe(`${accountId}\t${DEMO.wabaId}\tCLI Store\n`);
    expect(shown).toBe(`${accountId}\tCLI Store\tprice 0.15 INR\tavailable 25.50\n`);
    expect(phones).toMatch(new RegExp(`^pn_\\S+\\t${DEMO.metaPhoneNumberId}\\t15550783881\\t120 mps\\n$`));
    expect(templates).toContain(`${templateFixtures.order_update!.id}\torder_update\t`);
    expect(ledger).toMatch(/^\d+\t\S+\ttopup\t25\.50\tinv-7\n$/);
    expect(keys).toMatch(/\tproduction\t9 req\/s\trevoked\n$/);
    expect((await stack.call('GET', '/api/whatsapp/v1/wallet', { key })).status).toBe(401);
  });

  it("prints Dak's error message and exits 1, without a stack trace", async () => {
    const [wrongToken, badAmount, missing, down] = await Promise.all([
      dak(['--url', stack.api.url, '--token', 'not-the-admin-token', 'accounts', 'list']),
      dak([...globals, 'wallet', 'topup', 'acc_missing', '1.234', '--reference', 'x']),
      dak([...globals, 'accounts', 'show', 'acc_missing']),
      dak(['--url', 'http://127.0.0.1:9', '--token', 'x', 'accounts', 'list']),
    ]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stdout).toBe('');
    expect(wrongToken.stderr).toBe(
      'error: Missing or wrong admin token. Send `Authorization: Bearer $DAK_ADMIN_TOKEN`. (invalid_admin_token, HTTP 401) The token came from --token.\n',
    );

    expect(badAmount.code).toBe(1);
    expect(badAmount.stderr).toMatch(
      /^error: Invalid request body: amount: amount must be a decimal string with at most 2 decimals.*\(invalid_request, HTTP 400\)\n$/,
    );

    expect(missing).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: No account "acc_missing". (account_not_found, HTTP 404)\n',
    });

    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: Cannot reach Dak's admin API at http:\/\/127\.0\.0\.1:9 .*Is Dak running\?/);

    const badTier = await dak([...globals, 'accounts', 'update', 'acc_missing', '--messaging-tier', '300']);
    expect(badTier.code).toBe(1);
    expect(badTier.stderr).toMatch(
      /--messaging-tier must be one of Meta's tiers: 250, 2000, 10000, 100000 or unlimited \(got "300"\)/,
    );

    for (const run of [wrongToken, badAmount, missing, down, badTier]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes the URL and token from the environment, else the token from ./.dak/local.env', async () => {
    const fromEnv = await dak(['-q', 'accounts', 'list'], {
      env: { DAK_API_URL: stack.api.url, DAK_ADMIN_TOKEN: stack.adminToken },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'dak-cli-'));
    try {
      const none = await dak(['accounts', 'list'], { cwd: dir, env: { DAK_API_URL: stack.api.url } });
      expect(none).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/^error: No admin token: pass --token, set DAK_ADMIN_TOKEN/),
      });

      mkdirSync(join(dir, '.dak'));
      writeFileSync(
        join(dir, '.dak', 'local.env'),
        `DAK_ADMIN_TOKEN=${stack.adminToken}\nDAK_ENCRYPTION_KEY=${'0'.repeat(64)}\n`,
      );
      const local = await dak(['-q', 'accounts', 'list'], { cwd: dir, env: { DAK_API_URL: stack.api.url } });
      expect(local.code, local.stderr).toBe(0);
      expect(local.stdout).toBe(fromEnv.stdout);

      writeFileSync(join(dir, '.dak', 'local.env'), 'DAK_ADMIN_TOKEN=stale-token-from-an-old-start\n');
      const stale = await dak(['accounts', 'list'], { cwd: dir, env: { DAK_API_URL: stack.api.url } });
      expect(stale.code).toBe(1);
      expect(stale.stderr).toMatch(/The token came from \.dak\/local\.env\.\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the webhook events Dak refused, with why', async () => {
    await stack.api.ctx.db
      .insertInto('message_events')
      .values([
        {
          dedupe_key: 'status:cli-ok',
          kind: 'status',
          wamid: 'wamid.cli-ok',
          status: 'sent',
          payload: '{}',
          applied_at: new Date(),
        },
        {
          dedupe_key: 'status:cli-refused',
          kind: 'status',
          wamid: 'wamid.cli-refused',
          message_id: 'msg_01jq8z6k2r9v4t3n5b7c8d9e0f',
          status: 'failed',
          waba_id: '555000111222',
          meta_phone_number_id: '106540352249999',
          payload: '{}',
          applied_at: new Date(),
          rejected_reason: 'message_of_other_account',
        },
      ])
      .execute();
    const [all, refused] = await Promise.all([
      json('webhook-events', 'list'),
      dak([...globals, '-q', 'webhook-events', 'list', '--rejected', '--limit', '5']),
    ]);
    expect(all.events.map((e: { wamid: string }) => e.wamid)).toEqual(
      expect.arrayContaining(['wamid.cli-ok', 'wamid.cli-refused']),
    );
    expect(refused.code, refused.stderr).toBe(0);
    expect(refused.stdout).toMatch(
      /^\d+\t\S+\tstatus\tfailed\tmessage_of_other_account\twaba 555000111222\tnumber 106540352249999\tmsg_01jq8z6k2r9v4t3n5b7c8d9e0f\n$/,
    );
  });

  it('--help works without a token or a running API', async () => {
    const help = await dak(['--help'], { cwd: tmpdir() });
    expect(help.code).toBe(0);
    for (const command of ['accounts', 'phone-numbers', 'api-keys', 'wallet', 'templates'])
      expect(help.stdout).toContain(command);
  });
});
