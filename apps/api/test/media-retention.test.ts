import { access, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMedia } from '@dak/db';
import { customerSendsMedia, DEMO, startStack, waitFor, type TestStack } from '@dak/dev-env';
import { pruneKeptMedia, startMediaRetention } from '../src/resources/media/retention';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const DAY = 24 * 3_600_000;
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

// Kept files are deleted MEDIA_RETENTION_DAYS (3 here) after Dak recorded them, a customer's
// as soon as its message is gone, and files no record knows once they are an hour old. A GET
// after that is a 404 saying so and how to fix it, or a fresh download of a customer's media.
describe('media retention: kept files do not outlive MEDIA_RETENTION_DAYS, and a later read is never a 500', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  const db = () => stack.api.ctx.db;

  const read = (id: string) =>
    fetch(`${stack.api.url}/api/whatsapp/v1/media/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
  const upload = async (bytes: Buffer) => {
    const form = new FormData();
    form.append('phone_number_id', DEMO.metaPhoneNumberId);
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'photo.png');
    const response = await fetch(`${stack.api.url}/api/whatsapp/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  /** A customer's voice note, filed by the receiver. */
  const customerMedia = (bytes: Buffer) => customerSendsMedia(stack, bytes, 'audio/ogg');
  const keptPath = async (id: string) => (await findMedia(db(), accountId, id))?.stored_path ?? null;

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { MEDIA_RETENTION_DAYS: '3' } });
    ({ apiKey, accountId } = await stack.seedDemo());
  });
  afterAll(() => stack?.close());

  it('deletes records and files past MEDIA_RETENTION_DAYS; an upload is then a 404 saying so, a customer’s media is downloaded again', async () => {
    const uploaded = await upload(PNG);
    const voice = Buffer.from('OggS-retention-voice-note');
    const customer = await customerMedia(voice);
    expect((await read(customer.id)).status).toBe(200);
    const files = [(await keptPath(uploaded))!, (await keptPath(customer.id))!];
    for (const path of files) expect(await exists(path)).toBe(true);

    // Two days on, nothing is due; four days on, both are.
    expect(await pruneKeptMedia(stack.api.ctx, { now: new Date(Date.now() + 2 * DAY) })).toEqual({
      records: 0,
      files: 0,
    });
    expect(await pruneKeptMedia(stack.api.ctx, { now: new Date(Date.now() + 4 * DAY), chunk: 1 })).toEqual({
      records: 2,
      files: 2,
    });
    for (const path of files) expect(await exists(path)).toBe(false);
    expect(await findMedia(db(), accountId, uploaded)).toBeUndefined();

    const expired = await read(uploaded);
    expect(expired.status).toBe(404);
    const body = (await expired.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('media_not_found');
    expect(body.error.message).toContain('older than the 3 days Dak keeps media');
    expect(body.error.message).toContain('upload it again (POST /media)');

    // The customer's message is still kept and Meta still has the file: read again, and kept again.
    const again = await read(customer.id);
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer())).toEqual(voice);
    expect(await exists((await keptPath(customer.id))!)).toBe(true);
  });

  it("deletes a customer's kept file once its message is gone (INBOUND_RETENTION_DAYS), and a read is then a 404", async () => {
    const voice = Buffer.from('OggS-message-retention');
    const customer = await customerMedia(voice);
    expect((await read(customer.id)).status).toBe(200);
    const path = (await keptPath(customer.id))!;
    const uploaded = await upload(PNG);

    // As the worker's retention does to a message past INBOUND_RETENTION_DAYS.
    await db().deleteFrom('inbound_messages').where('wamid', '=', customer.wamid).execute();
    expect(await pruneKeptMedia(stack.api.ctx)).toEqual({ records: 1, files: 1 });
    expect(await exists(path)).toBe(false);
    expect((await read(customer.id)).status).toBe(404);
    // The account's own upload of the same day stays.
    expect(await exists((await keptPath(uploaded))!)).toBe(true);
  });

  it('deletes files no record knows once they are an hour old (a crash, a temporary file left behind), and no kept file', async () => {
    const uploaded = await upload(PNG);
    const kept = (await keptPath(uploaded))!;
    const dir = join(stack.config.media.dir, accountId);
    const orphan = join(dir, '900000000000001');
    const leftover = join(dir, '.incoming-0123456789abcdef');
    const fresh = join(dir, '.incoming-fedcba9876543210');
    for (const path of [orphan, leftover, fresh]) await writeFile(path, 'bytes');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    // The kept file is as old, but its record is current: it stays.
    for (const path of [orphan, leftover, kept]) await utimes(path, twoHoursAgo, twoHoursAgo);

    expect(await pruneKeptMedia(stack.api.ctx)).toEqual({ records: 0, files: 2 });
    expect(await exists(orphan)).toBe(false);
    expect(await exists(leftover)).toBe(false);
    expect(await exists(fresh)).toBe(true);
    expect((await read(uploaded)).status).toBe(200);
    expect((await readdir(dir)).sort()).toEqual(
      expect.arrayContaining(['.incoming-fedcba9876543210', kept.slice(dir.length + 1)]),
    );
  });

  it('runs as a periodic pass of the API process: once at start, and stop() waits for it', async () => {
    const dir = join(stack.config.media.dir, accountId);
    const orphan = join(dir, '900000000000002');
    await writeFile(orphan, 'bytes');
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(orphan, old, old);
    const pass = startMediaRetention(stack.api.ctx);
    try {
      await waitFor(async () => !(await exists(orphan)), { what: 'the pass at start to delete the orphan' });
    } finally {
      await pass.stop();
    }
  });
});
