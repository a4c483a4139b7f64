import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, type MetaError, NUMBER, OTHER_TOKEN, startSim, TOKEN } from './helpers';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function upload(sim: RunningMetaSim, file: Buffer, type: string, token: string | null = TOKEN) {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', type);
  form.append('file', new Blob([file], { type }), 'file.bin');
  return fetch(`${sim.url}/v23.0/${NUMBER}/media`, {
    method: 'POST',
    body: form,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
}

describe('media endpoints', () => {
  let sim: RunningMetaSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('uploads, describes, downloads with the token only, and deletes', async () => {
    const uploaded = await upload(sim, PNG, 'image/png');
    expect(uploaded.status).toBe(200);
    const { id } = (await uploaded.json()) as { id: string };
    expect(id).toMatch(/^\d+$/);

    const described = await call<{ url: string; mime_type: string; sha256: string; file_size: number }>(
      sim,
      'GET',
      `/v23.0/${id}`,
    );
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      messaging_product: 'whatsapp',
      id,
      url: expect.stringContaining('/whatsapp_business/attachments/'),
      mime_type: 'image/png',
      sha256: createHash('sha256').update(PNG).digest('hex'),
      file_size: PNG.length,
    });

    const anonymous = await fetch(described.body.url);
    expect(anonymous.status).toBe(401);
    const otherBusiness = await fetch(described.body.url, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
    expect(otherBusiness.status).toBe(404);
    const downloaded = await fetch(described.body.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(PNG);

    const foreign = await call<MetaError>(sim, 'GET', `/v23.0/${id}`, undefined, OTHER_TOKEN);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe(100);

    const deleted = await call(sim, 'DELETE', `/v23.0/${id}`);
    expect(deleted.body).toEqual({ success: true });
    expect((await call<MetaError>(sim, 'GET', `/v23.0/${id}`)).body.error.code).toBe(100);
    expect((await fetch(described.body.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("refuses a wrong type, a file over the type's limit, a missing token and another business's number", async () => {
    const wrongType = await upload(sim, PNG, 'image/gif');
    expect(wrongType.status).toBe(400);
    const wrongBody = (await wrongType.json()) as MetaError;
    expect(wrongBody.error.code).toBe(100);
    expect(wrongBody.error.error_data.details).toContain("'image/gif'");

    const tooLarge = await upload(sim, Buffer.alloc(5 * 1024 * 1024 + 1), 'image/jpeg');
    expect(tooLarge.status).toBe(400);
    expect(((await tooLarge.json()) as MetaError).error.code).toBe(131053);
    const sticker = await upload(sim, Buffer.alloc(500 * 1024 + 1), 'image/webp');
    expect(((await sticker.json()) as MetaError).error.code).toBe(131053);

    expect((await upload(sim, PNG, 'image/png', null)).status).toBe(401);
    const foreignNumber = await upload(sim, PNG, 'image/png', OTHER_TOKEN);
    expect(((await foreignNumber.json()) as MetaError).error.code).toBe(190);
  });

  it("keeps a customer's media for the number's business (control API)", async () => {
    const made = await fetch(`${sim.url}/_sim/media`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone_number_id: NUMBER, mime_type: 'audio/ogg', data_base64: PNG.toString('base64') }),
    });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    const described = await call<{ url: string; mime_type: string }>(sim, 'GET', `/v23.0/${id}`);
    expect(described.body.mime_type).toBe('audio/ogg');
    const downloaded = await fetch(described.body.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Buffer.from(await downloaded.arrayBuffer())).toEqual(PNG);
  });
});
