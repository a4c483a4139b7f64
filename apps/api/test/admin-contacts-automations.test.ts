import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, messagesEnvelope, postSignedWebhook, startStack, waitFor, type TestStack } from '@dak/dev-env';

// Contacts and automations on the admin API (`/admin/v1/accounts/:id/…`): the public API's routes
// and services served for the account in the path, as callbacks are. What one side changes the
// other shows; another account's contact or automation is a 404 on every route and changes
// nothing. The CLI over the same routes: packages/cli/test/cli-contacts-automations.test.ts.

const ASHA = '919820006001';
const VIKRAM = '919820006002';
const ORDER_UPDATE = '1284751902651784'; // "Hi {{1}}, your order {{2}} is on its way."

const AUTOMATION = {
  name: 'Order shipped',
  phone_number_id: DEMO.metaPhoneNumberId,
  template_id: ORDER_UPDATE,
  recipient: '$.phone',
  variables: [{ type: 'body', values: ['$.first_name', '$.order'] }],
  dedupe: '$.order',
};
const ORDER = { phone: '+91 98200 06001', first_name: 'Asha', order: '#1001' };

describe('contacts and automations on the admin API', () => {
  let stack: TestStack;
  let key: string;
  let accountA: string;
  let accountB: string;
  const admin = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/admin/v1${path}`, { key: stack.adminToken, ...(body !== undefined ? { body } : {}) });
  const api = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey: key, accountId: accountA } = await stack.seedDemo({ credit: '100.00' }));
    accountB = (await stack.admin.createAccount({ name: 'Other', waba_id: '900000000000002' })).id;
    const at = Math.floor(Date.now() / 1000);
    for (const [from, name] of [
      [ASHA, 'Asha'],
      [VIKRAM, 'Vikram'],
    ] as const) {
      const envelope = messagesEnvelope({
        contacts: [{ profile: { name }, wa_id: from }],
        messages: [{ from, id: `wamid.admin.${from}`, timestamp: String(at), type: 'text', text: { body: 'hi' } }],
      });
      expect((await postSignedWebhook(stack, envelope)).status).toBe(200);
    }
    stack.webhooks.applier.kick();
    await waitFor(async () => ((await api('GET', '/contacts')).body.contacts?.length === 2 ? true : undefined), {
      what: 'two contacts',
    });
  });
  afterAll(() => stack?.close());

  it('lists, filters, pages, shows and updates contacts for the account in the path', async () => {
    const first = await admin('GET', `/accounts/${accountA}/contacts?limit=1`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.contacts).toHaveLength(1);
    const second = await admin('GET', `/accounts/${accountA}/contacts?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ contacts: [expect.anything()], next_cursor: null });
    expect([first.body.contacts[0].phone_number, second.body.contacts[0].phone_number].sort()).toEqual([ASHA, VIKRAM]);

    const byNumber = await admin('GET', `/accounts/${accountA}/contacts?number=%2B${ASHA}`);
    const asha = byNumber.body.contacts[0];
    expect(byNumber.body.contacts).toHaveLength(1);
    expect(asha).toMatchObject({ phone_number: ASHA, profile_name: 'Asha', opted_out: false });
    const badNumber = await admin('GET', `/accounts/${accountA}/contacts?number=12`);
    expect(badNumber.status).toBe(400);
    expect(badNumber.body.error.details.issues[0].path).toBe('number');

    const updated = await admin('PATCH', `/accounts/${accountA}/contacts/${asha.id}`, {
      tags: ['vip'],
      attributes: { city: 'Pune' },
      opted_out: true,
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ tags: ['vip'], attributes: { city: 'Pune' }, opt_out_reason: 'manual' });
    expect((await api('GET', `/contacts/${asha.id}`)).body).toEqual(updated.body);
    expect((await admin('GET', `/accounts/${accountA}/contacts/${asha.id}`)).body).toEqual(updated.body);
    const tagged = await admin('GET', `/accounts/${accountA}/contacts?tag=vip&opted_out=true`);
    expect(tagged.body.contacts.map((c: { id: string }) => c.id)).toEqual([asha.id]);
    const nothing = await admin('PATCH', `/accounts/${accountA}/contacts/${asha.id}`, {});
    expect(nothing.status).toBe(400);
  });

  it("answers 404 for another account's contact, and for an unknown account, and changes nothing", async () => {
    const asha = (await api('GET', `/contacts?number=${ASHA}`)).body.contacts[0];
    const shown = await admin('GET', `/accounts/${accountB}/contacts/${asha.id}`);
    expect(shown.status).toBe(404);
    expect(shown.body.error.code).toBe('contact_not_found');
    const patched = await admin('PATCH', `/accounts/${accountB}/contacts/${asha.id}`, { tags: ['stolen'] });
    expect(patched.status).toBe(404);
    expect((await admin('GET', `/accounts/${accountB}/contacts`)).body).toEqual({ contacts: [], next_cursor: null });
    const unknown = await admin('GET', `/accounts/acc_unknown/contacts`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('account_not_found');
    expect((await api('GET', `/contacts/${asha.id}`)).body).toEqual(asha);
  });

  it('creates an automation whose hook URL works, and shows, lists, dry-runs, updates, lists events and deletes it', async () => {
    const created = await admin('POST', `/accounts/${accountA}/automations`, AUTOMATION);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id: string = created.body.id;
    expect(created.body.url).toMatch(new RegExp(`^${stack.config.publicUrl}/hooks/${id}/hk_[A-Za-z0-9_-]{32}$`));
    const shown = await admin('GET', `/accounts/${accountA}/automations/${id}`);
    expect(shown.body).toEqual((await api('GET', `/automations/${id}`)).body);
    expect(shown.body).not.toHaveProperty('url');
    const listed = await admin('GET', `/accounts/${accountA}/automations`);
    expect(listed.body.automations.map((a: { id: string }) => a.id)).toEqual([id]);

    const dryRun = await admin('POST', `/accounts/${accountA}/automations/${id}/dry-run`, ORDER);
    expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
    expect(dryRun.body).toMatchObject({ would_send: true, message: { phone_number: ASHA } });

    const hook = await stack.call('POST', new URL(created.body.url).pathname, { body: ORDER });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    const events = await waitFor(
      async () => {
        const page = await admin('GET', `/accounts/${accountA}/automations/${id}/events?limit=10`);
        return page.body.events?.[0]?.outcome === 'sent' ? page.body : undefined;
      },
      { what: 'the hook event sent' },
    );
    expect(events).toMatchObject({ events: [{ dedupe_value: '#1001' }], next_cursor: null });

    const disabled = await admin('PATCH', `/accounts/${accountA}/automations/${id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ id, enabled: false });
    expect((await api('GET', `/automations/${id}`)).body.enabled).toBe(false);

    const deleted = await admin('DELETE', `/accounts/${accountA}/automations/${id}`);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect((await api('GET', `/automations/${id}`)).status).toBe(404);
  });

  it("answers 404 for another account's automation on every route and changes nothing; its numbers are not the other's", async () => {
    const created = await api('POST', '/automations', AUTOMATION);
    const id: string = created.body.id;
    const before = (await api('GET', `/automations/${id}`)).body;
    const item = `/accounts/${accountB}/automations/${id}`;
    for (const [method, path, body] of [
      ['GET', item],
      ['PATCH', item, { enabled: false }],
      ['DELETE', item],
      ['GET', `${item}/events`],
      ['POST', `${item}/dry-run`, ORDER],
    ] as const) {
      const answer = await admin(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('automation_not_found');
    }
    expect((await admin('GET', `/accounts/${accountB}/automations`)).body).toEqual({ automations: [] });
    expect((await api('GET', `/automations/${id}`)).body).toEqual(before);

    const foreignSender = await admin('POST', `/accounts/${accountB}/automations`, AUTOMATION);
    expect(foreignSender.status).toBe(404);
    expect(foreignSender.body.error.code).toBe('phone_number_not_found');
    const unknown = await admin('POST', `/accounts/acc_unknown/automations`, AUTOMATION);
    expect(unknown.body.error.code).toBe('account_not_found');
  });
});
