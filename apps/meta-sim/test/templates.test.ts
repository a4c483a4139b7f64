import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, type MetaError, NUMBER, OTHER_TOKEN, plainSend, Receiver, send, startSim, WABA } from './helpers';

interface Page {
  data: Record<string, unknown>[];
  paging: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

describe('template management', () => {
  let sim: RunningMetaSim;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    sim = await startSim({ webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  const templateEvents = () =>
    receiver.received.flatMap((w) =>
      w.body.entry.flatMap((e) =>
        e.changes.filter((c) => c.field === 'message_template_status_update').map((c) => c.value),
      ),
    );

  it('lists with limit and cursor paging, following `next` to the end', async () => {
    const first = await call<Page>(sim, 'GET', `/v23.0/${WABA}/message_templates?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((t) => t.name)).toEqual(['order_update', 'promo']);
    expect(first.body.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
    expect(first.body.paging.previous).toBeUndefined();
    const names = first.body.data.map((t) => t.name);
    let next = first.body.paging.next;
    while (next) {
      const page = await call<Page>(sim, 'GET', next.replace(sim.url, ''));
      names.push(...page.body.data.map((t) => t.name));
      expect(page.body.paging.previous).toBeDefined();
      next = page.body.paging.next;
    }
    expect(names).toEqual(['order_update', 'promo', 'welcome', 'otp', 'plain']);
    const second = await call<Page>(
      sim,
      'GET',
      `/v23.0/${WABA}/message_templates?limit=2&after=${first.body.paging.cursors.after}`,
    );
    expect(second.body.data.map((t) => t.name)).toEqual(['welcome', 'otp']);
    const back = await call<Page>(
      sim,
      'GET',
      `/v23.0/${WABA}/message_templates?limit=2&before=${second.body.paging.cursors.before}`,
    );
    expect(back.body.data.map((t) => t.name)).toEqual(['order_update', 'promo']);
  });

  it('returns the requested fields (always with id), filters, and the default object', async () => {
    const page = await call<Page>(
      sim,
      'GET',
      `/v23.0/${WABA}/message_templates?fields=name,status&status=APPROVED&category=MARKETING`,
    );
    expect(page.body.data).toEqual([{ name: 'promo', status: 'APPROVED', id: '300000000000002' }]);
    const one = await call(sim, 'GET', '/v23.0/300000000000003');
    expect(one.body).toMatchObject({
      id: '300000000000003',
      name: 'welcome',
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      parameter_format: 'NAMED',
      components: expect.any(Array),
    });
    expect((await call(sim, 'GET', '/v23.0/300000000000001?fields=name')).body).toEqual({
      name: 'order_update',
      id: '300000000000001',
    });
    expect((await call(sim, 'GET', `/v23.0/${NUMBER}`)).body).toMatchObject({
      id: NUMBER,
      display_phone_number: '+15550001111',
    });
  });

  it("refuses another business's token and unknown ids", async () => {
    expect(
      (await call<MetaError>(sim, 'GET', `/v23.0/${WABA}/message_templates`, undefined, OTHER_TOKEN)).body.error.code,
    ).toBe(190);
    expect(
      (await call<MetaError>(sim, 'GET', '/v23.0/300000000000001', undefined, OTHER_TOKEN)).body.error,
    ).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await call<MetaError>(sim, 'GET', '/v23.0/999', undefined)).status).toBe(400);
    expect((await call<MetaError>(sim, 'GET', `/v23.0/${WABA}/message_templates`, undefined, '')).status).toBe(401);
  });

  it('creates a template PENDING, approves it after the review delay with a webhook, then it sends', async () => {
    expect(sim.control.configureTemplateReview({ delayMs: 400 })).toMatchObject({
      delayMs: 400,
      rejectNamePattern: 'reject',
    });
    const created = await call(sim, 'POST', `/v23.0/${WABA}/message_templates`, {
      name: 'shipping_notice',
      language: 'en_US',
      category: 'utility',
      components: [
        { type: 'BODY', text: 'Your order {{1}} has shipped.', example: { body_text: [['ORD-1']] } },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE' }] },
      ],
    });
    expect(created.body).toEqual({ id: expect.stringMatching(/^\d{15}$/), status: 'PENDING', category: 'UTILITY' });
    const id = created.body.id as string;
    expect((await call(sim, 'GET', `/v23.0/${id}?fields=status`)).body).toEqual({ status: 'PENDING', id });
    await receiver.waitFor(() => templateEvents().some((e) => e.message_template_id === Number(id)));
    sim.control.configureTemplateReview({ delayMs: 20 });
    expect(templateEvents().find((e) => e.message_template_id === Number(id))).toEqual({
      event: 'APPROVED',
      message_template_id: Number(id),
      message_template_name: 'shipping_notice',
      message_template_language: 'en_US',
      reason: 'NONE',
    });
    const stored = await call(sim, 'GET', `/v23.0/${id}`);
    expect(stored.body.components).toContainEqual({
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Copy code', url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}' },
      ],
    });
    const reply = await send(sim, {
      messaging_product: 'whatsapp',
      to: '919820388810',
      type: 'template',
      template: {
        name: 'shipping_notice',
        language: { code: 'en_US' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: 'ORD-1' }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ORD-1' }] },
        ],
      },
    });
    expect(reply.status).toBe(200);
  });

  it('rejects names matching the review pattern, refuses duplicates and invalid bodies', async () => {
    const created = await call(sim, 'POST', `/v23.0/${WABA}/message_templates`, {
      name: 'please_reject_me',
      language: 'en_US',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Hi' }],
    });
    const id = Number(created.body.id);
    await receiver.waitFor(() => templateEvents().some((e) => e.message_template_id === id));
    expect(templateEvents().find((e) => e.message_template_id === id)).toMatchObject({
      event: 'REJECTED',
      reason: 'INVALID_FORMAT',
    });
    const duplicate = await call<MetaError>(sim, 'POST', `/v23.0/${WABA}/message_templates`, {
      name: 'plain',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'x' }],
    });
    expect(duplicate.body.error).toMatchObject({ code: 100, error_subcode: 2388024 });
    for (const body of [
      { name: 'Bad Name', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'x' }] },
      { name: 'no_body', language: 'en_US', category: 'UTILITY', components: [{ type: 'FOOTER', text: 'x' }] },
      {
        name: 'long_body',
        language: 'en_US',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'x'.repeat(1_025) }],
      },
      { name: 'bad_cat', language: 'en_US', category: 'SPAM', components: [{ type: 'BODY', text: 'x' }] },
    ]) {
      expect((await call<MetaError>(sim, 'POST', `/v23.0/${WABA}/message_templates`, body)).body.error.code).toBe(100);
    }
  });

  it('pauses a template over the control API (webhook, then 132015), reinstates it, deletes by name', async () => {
    const paused = await call(sim, 'POST', '/_sim/templates/300000000000005/status', {
      status: 'PAUSED',
      reason: 'LOW_QUALITY',
    });
    expect(paused.body).toMatchObject({ status: 'PAUSED' });
    await receiver.waitFor(() => templateEvents().some((e) => e.event === 'PAUSED'));
    expect(templateEvents().find((e) => e.event === 'PAUSED')).toMatchObject({
      message_template_name: 'plain',
      reason: 'LOW_QUALITY',
    });
    expect(((await send(sim, plainSend('919820388810'))).body as unknown as MetaError).error.code).toBe(132015);
    sim.control.upsertTemplate(WABA, {
      name: 'plain',
      language: 'en_US',
      status: 'APPROVED',
      components: [{ type: 'BODY', text: 'Your parcel {{1}} is on its way.' }],
    });
    await receiver.waitFor(() => templateEvents().some((e) => e.event === 'REINSTATED'));
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);

    expect((await call(sim, 'DELETE', `/v23.0/${WABA}/message_templates?name=plain`)).body).toEqual({ success: true });
    expect((await send(sim, plainSend('919820388810'))).status).toBe(404);
    expect((await call<MetaError>(sim, 'DELETE', `/v23.0/${WABA}/message_templates?name=plain`)).body.error.code).toBe(
      100,
    );
  });
});
