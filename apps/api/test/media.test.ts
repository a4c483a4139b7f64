import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@dak/db';
import { customerSendsMedia, DEMO, seedAccount, startStack, type TestStack } from '@dak/dev-env';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('media: upload to Meta through Dak, and read any of the account’s media back', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let otherKey: string;

  const upload = (parts: { phone?: string; file?: Buffer; type?: string; key?: string }) => {
    const form = new FormData();
    if (parts.phone !== undefined) form.append('phone_number_id', parts.phone);
    if (parts.file) form.append('file', new Blob([parts.file], { type: parts.type ?? 'image/png' }), 'photo.png');
    return fetch(`${stack.api.url}/api/whatsapp/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${parts.key ?? apiKey}` },
      body: form,
    });
  };
  const read = (id: string, key = apiKey) =>
    fetch(`${stack.api.url}/api/whatsapp/v1/media/${id}`, { headers: { authorization: `Bearer ${key}` } });
  const metaUploads = () =>
    stack.sim.control.requests({ method: 'POST' }).filter((request) => request.path.endsWith('/media'));
  /** Media at Meta for the demo number, not (yet) in any message to it. */
  const mediaAtMeta = (bytes: Buffer, mimeType: string) =>
    stack.sim.control.customerMedia({
      phone_number_id: DEMO.metaPhoneNumberId,
      mime_type: mimeType,
      data_base64: bytes.toString('base64'),
    });
  const customerMedia = (bytes: Buffer, mimeType: string) => customerSendsMedia(stack, bytes, mimeType);

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo());
    const other = {
      waba_id: '100000000000777',
      name: 'Other Store',
      access_token: 'EAAG-other-store-token',
      phone_numbers: [{ phone_number_id: '200000000000777', display_phone_number: '15550007777' }],
    };
    stack.sim.control.addBusiness(other);
    otherKey = (await seedAccount(stack.admin, other)).apiKey!;
  });
  afterAll(() => stack?.close());

  it('uploads an image to Meta and answers its media id; GET /media/:id streams the same bytes', async () => {
    const response = await upload({ phone: DEMO.metaPhoneNumberId, file: PNG });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; mime_type: string; file_size: number; sha256: string };
    expect(body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      mime_type: 'image/png',
      file_size: PNG.length,
      sha256: sha256(PNG),
    });

    // Meta has it, for the demo business's token.
    const atMeta = await fetch(`${stack.sim.url}/v23.0/${body.id}`, {
      headers: { authorization: `Bearer ${stack.accessToken}` },
    });
    expect(((await atMeta.json()) as { sha256: string }).sha256).toBe(sha256(PNG));

    const file = await read(body.id);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
  });

  it('refuses files Meta would refuse before sending anything to Meta, and forms that lack a part', async () => {
    const before = metaUploads().length;
    const tooLarge = await upload({
      phone: DEMO.metaPhoneNumberId,
      file: Buffer.alloc(5 * 1024 * 1024 + 1),
      type: 'image/jpeg',
    });
    expect(tooLarge.status).toBe(413);
    const tooLargeBody = (await tooLarge.json()) as { error: { code: string; message: string } };
    expect(tooLargeBody.error.code).toBe('media_too_large');
    expect(tooLargeBody.error.message).toContain('5242880');

    const gif = await upload({ phone: DEMO.metaPhoneNumberId, file: PNG, type: 'image/gif' });
    expect(gif.status).toBe(415);
    expect(((await gif.json()) as { error: { code: string } }).error.code).toBe('media_type_not_supported');

    const noNumber = await upload({ file: PNG });
    expect(noNumber.status).toBe(400);
    const noFile = await upload({ phone: DEMO.metaPhoneNumberId });
    expect(noFile.status).toBe(400);
    const json = await stack.call('POST', '/api/whatsapp/v1/media', { key: apiKey, body: { file: 'x' } });
    expect(json.status).toBe(400);
    const foreignNumber = await upload({ phone: '200000000000777', file: PNG });
    expect(foreignNumber.status).toBe(404);
    expect(metaUploads().length).toBe(before);
  });

  it("downloads a customer's media from Meta on first read, keeps it, and serves it again without Meta", async () => {
    const audio = Buffer.from('OggS-customer-voice-note');
    const { id } = await customerMedia(audio, 'audio/ogg');
    const first = await read(id);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('audio/ogg');
    expect(Buffer.from(await first.arrayBuffer())).toEqual(audio);
    const { rows } = await sql<{ source: string; stored_path: string | null; sha256: string }>`
      select source, stored_path, sha256 from media where account_id = ${accountId} and meta_media_id = ${id}`.execute(
      stack.api.ctx.db,
    );
    expect(rows).toEqual([{ source: 'inbound', stored_path: expect.any(String), sha256: sha256(audio) }]);

    // Gone from Meta: Dak's copy still answers.
    const deleted = await fetch(`${stack.sim.url}/v23.0/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.accessToken}` },
    });
    expect(await deleted.json()).toEqual({ success: true });
    const second = await read(id);
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer())).toEqual(audio);
  });

  it("answers 404 for another account's media, unknown ids and ids that are not Meta's", async () => {
    const uploaded = (await (await upload({ phone: DEMO.metaPhoneNumberId, file: PNG })).json()) as { id: string };
    const { id: inbound } = await customerMedia(PNG, 'image/png');
    // Meta has it for the demo number, but no customer sent it to the account: Dak does not ask Meta.
    const { id: unsent } = mediaAtMeta(PNG, 'image/png');
    expect((await read(unsent)).status).toBe(404);
    for (const id of [uploaded.id, inbound]) {
      const response = await read(id, otherKey);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('media_not_found');
    }
    expect((await read('999999999999')).status).toBe(404);
    expect((await read('..%2F..%2Fetc')).status).toBe(404);
    // The owner still reads both.
    expect((await read(inbound)).status).toBe(200);
  });
  it('a MEDIA_DIR Dak cannot write to is a 503 that says so, and nothing reaches Meta', async () => {
    const config = stack.api.ctx.config.media;
    const dir = config.dir;
    const before = metaUploads().length;
    (config as { dir: string }).dir = '/dev/null/dak-media'; // under a file: no folder can be made
    try {
      const response = await upload({ phone: DEMO.metaPhoneNumberId, file: PNG });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('30');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).toMatch(/MEDIA_DIR is not writable/);
    } finally {
      (config as { dir: string }).dir = dir;
    }
    expect(metaUploads()).toHaveLength(before);
  });
});
