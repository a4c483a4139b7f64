import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixture } from '@dak/dev-env/template-fixtures';
import {
  findTemplate,
  markMissingTemplatesDeleted,
  updateTemplateStatus,
  upsertTemplates,
  type TemplateUpsert,
} from '@dak/db';
import { announced, DEMO, startStack, waitFor, type TestStack } from '@dak/dev-env';

// Templates kept current: Meta's status webhooks, the worker's periodic sync and the admin
// sync. The tests run in order on one stack: the worker starts in the first one, after a
// message has been queued for a template Meta then pauses.

describe('templates kept current with Meta', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  const orderUpdate = templateFixture('order_update');
  const couponOffer = templateFixture('coupon_offer');
  const orderRequest = {
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: orderUpdate.id,
    phone_number: DEMO.recipient,
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
  };

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { TEMPLATE_SYNC_INTERVAL_MS: '200' } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());

  const send = (body: unknown) => stack.call('POST', '/api/whatsapp/v1/send-message', { key: apiKey, body });
  const messageStatus = async (id: string) =>
    (await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey })).body;
  const templateStatus = async (name: string, language: string) => {
    const response = await stack.call('GET', `/api/whatsapp/v1/templates?name=${name}&language=${language}`, {
      key: apiKey,
    });
    return (response.body.templates as { id: string; status: string }[])[0];
  };
  const messageCount = async () => (await stack.api.ctx.db.selectFrom('messages').select('id').execute()).length;

  it("a PAUSED webhook stops new sends at once; a message queued before it fails with Meta's code and its hold is released", async () => {
    const queued = await send(orderRequest);
    expect(queued.status).toBe(200);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: '0.90', held: '0.10' });

    // The send path reads templates from the API's cache: wait for it to hear of the change too.
    await announced(stack.api.ctx.changes, 'templates', accountId, async () => {
      stack.sim.control.setTemplateStatus(orderUpdate.id, { status: 'PAUSED', reason: 'LOW_QUALITY' });
      await waitFor(async () => (await templateStatus('order_update', 'en_US'))?.status === 'PAUSED', {
        what: 'the PAUSED webhook to be applied',
      });
    });

    const refused = await send(orderRequest);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'template_not_approved',
      message: expect.stringContaining(
        'Template "order_update" (en_US) is PAUSED; only APPROVED templates can be sent',
      ),
      details: { template_id: orderUpdate.id, status: 'PAUSED', reason: 'LOW_QUALITY' },
    });
    expect(await messageCount()).toBe(1);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: '0.90', held: '0.10' });

    // The worker starts only now: Meta refuses the queued message because the template is paused.
    await stack.startWorker();
    const failed = await waitFor(
      async () => {
        const status = await messageStatus(queued.body.message_id);
        return status.status === 'failed' ? status : undefined;
      },
      { what: 'the queued message to fail' },
    );
    expect(failed).toMatchObject({ wamid: null, error: { code: 132015 }, charge: { state: 'released' } });
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: '1.00', held: '0.00', captured: '0.00' });
  });

  it('REINSTATED makes the template sendable again', async () => {
    const events = () =>
      stack.sim.control
        .webhooks({ field: 'message_template_status_update' })
        .map((w) => (w.payload as TemplateWebhook).entry[0]!.changes[0]!.value.event);
    await announced(stack.api.ctx.changes, 'templates', accountId, async () => {
      stack.sim.control.setTemplateStatus(orderUpdate.id, { status: 'APPROVED' });
      await waitFor(() => events().length === 2, { what: 'the REINSTATED webhook' });
      expect(events()).toEqual(['PAUSED', 'REINSTATED']);
      await waitFor(async () => (await templateStatus('order_update', 'en_US'))?.status === 'APPROVED', {
        what: 'the REINSTATED webhook to be applied',
      });
    });
    const sent = await send(orderRequest);
    expect(sent.status).toBe(200);
    await waitFor(async () => (await messageStatus(sent.body.message_id)).status !== 'queued', { what: 'the send' });
    expect(await messageStatus(sent.body.message_id)).toMatchObject({ error: null, charge: { state: 'captured' } });
  });

  it('the periodic sync stores new templates and marks those deleted in Meta as DELETED', async () => {
    stack.sim.control.upsertTemplate(DEMO.wabaId, {
      name: 'back_in_stock',
      language: 'en_US',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: '{{1}} is back in stock.', example: { body_text: [['Aero X2']] } }],
    });
    const deleted = await fetch(
      `${stack.sim.url}/${stack.config.meta.graphVersion}/${DEMO.wabaId}/message_templates?name=coupon_offer`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${stack.accessToken}` },
      },
    );
    expect(deleted.status).toBe(200);

    await waitFor(async () => (await templateStatus('back_in_stock', 'en_US'))?.status === 'APPROVED', {
      what: 'the new template to be synced',
    });
    await waitFor(async () => (await templateStatus('coupon_offer', 'en'))?.status === 'DELETED', {
      what: 'the deleted template to be marked',
    });

    const refused = await send({
      phone_number_id: DEMO.metaPhoneNumberId,
      template_name: 'coupon_offer',
      template_language: 'en',
      phone_number: DEMO.recipient,
      variables: [
        { type: 'body', values: ['Ananya', '20%'] },
        { type: 'button', index: 0, values: ['SAVE20'] },
      ],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(
      /is DELETED; only APPROVED templates can be sent: it is no longer in Meta's template list/,
    );
    const described = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${couponOffer.id}`, { key: apiKey });
    expect(described.body.template).toMatchObject({ name: 'coupon_offer', status: 'DELETED' });
  });

  it('a name re-created in Meta under a new id replaces the deleted one (admin sync)', async () => {
    const { name, language, category, components } = couponOffer;
    // The API's template cache holds the old id (described in the last test): wait for it to hear
    // of the replacement, whether this sync or the periodic one (every 200 ms) makes it.
    const { newId, result } = await announced(stack.api.ctx.changes, 'templates', accountId, async () => {
      const { id: newId } = stack.sim.control.upsertTemplate(DEMO.wabaId, {
        name,
        language,
        category,
        components: components as unknown as { type: string }[],
      });
      return { newId, result: await stack.admin.syncTemplates(accountId) };
    });
    expect(newId).not.toBe(couponOffer.id);
    expect(result).toEqual({ synced: 14, deleted: expect.any(Number) });
    expect(await templateStatus('coupon_offer', 'en')).toMatchObject({ id: newId, status: 'APPROVED' });
    const old = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${couponOffer.id}`, { key: apiKey });
    expect(old.status).toBe(404);
  });

  it('the admin sync says what is wrong when it cannot ask Meta', async () => {
    const { id: bare } = await stack.admin.createAccount({ name: 'No numbers yet', waba_id: '555000999222' });
    await expect(stack.admin.syncTemplates(bare)).rejects.toMatchObject({
      status: 400,
      body: { error: { code: 'no_access_token' } },
    });
    await stack.admin.addPhoneNumber(bare, {
      phone_number_id: '106540352240222',
      display_phone_number: '15550780222',
      access_token: 'EAAG-not-a-token-meta-knows',
    });
    await expect(stack.admin.syncTemplates(bare)).rejects.toMatchObject({
      status: 400,
      body: { error: { code: 'meta_refused', message: expect.stringContaining('Check the WABA id and access token') } },
    });
    await expect(stack.admin.syncTemplates('acc_missing')).rejects.toMatchObject({
      status: 404,
      body: { error: { code: 'account_not_found' } },
    });
  });

  it('a template list fetched before a status webhook does not undo it', async () => {
    // An account without a phone number: the periodic sync leaves it alone.
    const { id: quiet } = await stack.admin.createAccount({ name: 'Quiet', waba_id: '555000999111' });
    const db = stack.api.ctx.db;
    const row: TemplateUpsert = {
      id: '880000000000001',
      name: 'quiet',
      language: 'en',
      category: 'UTILITY',
      status: 'APPROVED',
      parameter_format: 'POSITIONAL',
      components: [],
    };
    const t0 = new Date(Date.now() - 60_000);
    await upsertTemplates(db, quiet, [row], t0);
    await updateTemplateStatus(db, '555000999111', row.id, 'PAUSED', 'LOW_QUALITY', new Date(t0.getTime() + 10_000));

    // A list fetched between the two: content is taken, the newer PAUSED is kept.
    await upsertTemplates(
      db,
      quiet,
      [{ ...row, components: [{ type: 'BODY', text: 'Hi' }] }],
      new Date(t0.getTime() + 5_000),
    );
    expect(await findTemplate(db, quiet, row.id)).toMatchObject({
      status: 'PAUSED',
      status_reason: 'LOW_QUALITY',
      components: [{ type: 'BODY', text: 'Hi' }],
    });
    expect(await markMissingTemplatesDeleted(db, quiet, [], new Date(t0.getTime() + 5_000))).toBe(0);

    // A list fetched after it wins.
    await upsertTemplates(db, quiet, [row], new Date(t0.getTime() + 20_000));
    expect(await findTemplate(db, quiet, row.id)).toMatchObject({ status: 'APPROVED', status_reason: null });
    expect(await markMissingTemplatesDeleted(db, quiet, [], new Date(t0.getTime() + 30_000))).toBe(1);
    expect(await findTemplate(db, quiet, row.id)).toMatchObject({ status: 'DELETED' });
  });
});

interface TemplateWebhook {
  entry: { changes: { value: { event: string } }[] }[];
}
