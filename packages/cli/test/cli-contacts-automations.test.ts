import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, messagesEnvelope, postSignedWebhook, startStack, waitFor, type TestStack } from '@dak/dev-env';
import { dakRunner } from './run-dak';

const NISHA = '919820007001';
const ORDER = { phone: NISHA, first_name: 'Nisha', order: '#2001' };

// `dak contacts …` and `dak automations …` over the admin API, in-process (runCli with captured
// output), the spec and events read from files and stdin as an operator would give them.
describe('dak contacts and dak automations', () => {
  let stack: TestStack;
  let accountId: string;
  let dir: string;
  let stdin = '';
  const dak = dakRunner(() => stack, { cwd: () => dir, stdin: () => stdin });

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ accountId } = await stack.seedDemo());
    dir = await mkdtemp(join(tmpdir(), 'dak-cli-'));
    const envelope = messagesEnvelope({
      contacts: [{ profile: { name: 'Nisha' }, wa_id: NISHA }],
      messages: [
        {
          from: NISHA,
          id: 'wamid.cli.1',
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'hi' },
        },
      ],
    });
    expect((await postSignedWebhook(stack, envelope)).status).toBe(200);
    stack.webhooks.applier.kick();
    await waitFor(async () => ((await stack.admin.listContacts(accountId)).contacts.length === 1 ? true : undefined), {
      what: 'the contact',
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await stack?.close();
  });

  it('lists, shows and updates contacts: tags, attributes and opt-out', async () => {
    const listed = await dak('-q', 'contacts', 'list', accountId, '--number', NISHA);
    expect(listed.code, listed.stderr).toBe(0);
    const [id, number, name, opt] = listed.stdout.trim().split('\t');
    expect([number, name, opt]).toEqual([NISHA, 'Nisha', 'opted in']);
    expect(id).toMatch(/^ct_/);

    const updated = await dak(
      'contacts',
      'update',
      accountId,
      id!,
      '--tag',
      'vip',
      '--tag',
      'pune',
      '--attribute',
      'city=Pune',
      '--attribute',
      'plan=gold',
      '--opt-out',
    );
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      tags: ['vip', 'pune'],
      attributes: { city: 'Pune', plan: 'gold' },
      opted_out: true,
      opt_out_reason: 'manual',
    });
    const trimmed = await dak('contacts', 'update', accountId, id!, '--remove-attribute', 'plan', '--clear-tags');
    expect(JSON.parse(trimmed.stdout)).toMatchObject({ tags: [], attributes: { city: 'Pune' } });
    const shown = await dak('-q', 'contacts', 'show', accountId, id!);
    expect(shown.stdout.trim()).toBe(`${id}\t${NISHA}\tNisha\topted out (manual)\t-`);
    const optedOut = await dak('-q', 'contacts', 'list', accountId, '--opted-out', 'yes', '--limit', '1');
    expect(optedOut.stdout.trim().split('\t')[0]).toBe(id);

    const both = await dak('contacts', 'update', accountId, id!, '--opt-out', '--opt-in');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--opt-out or --opt-in, not both/);
    const nothing = await dak('contacts', 'update', accountId, id!);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/invalid_request, HTTP 400/);
    const elsewhere = await dak('contacts', 'show', 'acc_unknown', id!);
    expect(elsewhere.stderr).toMatch(/account_not_found, HTTP 404/);
  });

  it('creates an automation from a spec file, dry-runs an event from stdin, updates, lists events and deletes', async () => {
    const spec = {
      name: 'Order shipped',
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: '1284751902651784',
      recipient: '$.phone',
      variables: [{ type: 'body', values: ['$.first_name', '$.order'] }],
      dedupe: '$.order',
    };
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    const made = await dak('-q', 'automations', 'create', accountId, '--file', 'spec.json', '--name', 'From the CLI');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(new RegExp(`^${stack.config.publicUrl}/hooks/aut_\\w+/hk_[\\w-]{32}$`));
    expect(made.stderr).toMatch(/cannot be shown again/);
    const id = made.stdout.trim().split('/').at(-2)!;

    const listed = await dak('-q', 'automations', 'list', accountId);
    expect(listed.stdout.trim()).toBe(`${id}\tenabled\tFrom the CLI\t${DEMO.metaPhoneNumberId}\t1284751902651784`);

    stdin = JSON.stringify(ORDER);
    const dryRun = await dak('-q', 'automations', 'dry-run', accountId, id, '--file', '-');
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(new RegExp(`^would send\t${NISHA}\torder_update\t`));

    const disabled = await dak('automations', 'update', accountId, id, '--disable');
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id, enabled: false });
    await writeFile(join(dir, 'change.json'), JSON.stringify({ dedupe: '$.first_name' }));
    const changed = await dak('automations', 'update', accountId, id, '--file', 'change.json', '--enable');
    expect(JSON.parse(changed.stdout)).toMatchObject({ id, enabled: true, dedupe: '$.first_name' });

    const events = await dak('automations', 'events', accountId, id, '--limit', '5');
    expect(JSON.parse(events.stdout)).toEqual({ events: [], next_cursor: null });
    const shown = await dak('-q', 'automations', 'show', accountId, id);
    expect(shown.stdout.trim().split('\t').slice(0, 2)).toEqual([id, 'enabled']);

    const removed = await dak('-q', 'automations', 'delete', accountId, id);
    expect(removed.stdout.trim()).toBe(`${id}\tdeleted`);
    const gone = await dak('automations', 'show', accountId, id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/automation_not_found, HTTP 404/);
  });

  it('says which file it could not read or parse', async () => {
    const missing = await dak('automations', 'create', accountId, '--file', 'nowhere.json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--file: cannot read nowhere\.json \(ENOENT\)/);
    await writeFile(join(dir, 'broken.json'), '{"name": ');
    const broken = await dak('automations', 'create', accountId, '--file', 'broken.json');
    expect(broken.stderr).toMatch(/--file: broken\.json is not JSON/);
    await writeFile(join(dir, 'list.json'), '[]');
    const list = await dak('automations', 'create', accountId, '--file', 'list.json');
    expect(list.stderr).toMatch(/must hold a JSON object/);
  });
});
