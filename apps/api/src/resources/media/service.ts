import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { access, constants, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { DakError, MAX_MEDIA_BYTES, ServiceUnavailableError, checkMediaSize, decryptSecret } from '@dak/core';
import {
  clearMediaStored,
  findMedia,
  inboundMediaSender,
  insertMedia,
  listPhoneNumbers,
  markMediaStored,
  type Media,
  type PhoneNumber,
} from '@dak/db';
import { GraphApiError } from '@dak/meta';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { resolveSender } from '../phone-numbers/service';
import { invalidField } from '../requests';

export interface MediaAnswer {
  id: string;
  mime_type: string;
  file_size: number;
  sha256: string;
}

/** Meta's media ids are numbers; anything else is not one, and is not sent to Meta. */
const MEDIA_ID = /^\d{1,32}$/;

interface Received {
  fields: Record<string, string>;
  file?: { path: string; mimeType: string; filename: string; size: number; sha256: string; truncated: boolean };
}

const tempPath = (ctx: ApiContext, accountId: string) =>
  join(ctx.config.media.dir, accountId, `.incoming-${randomBytes(8).toString('hex')}`);
const keptPath = (ctx: ApiContext, accountId: string, mediaId: string) =>
  join(ctx.config.media.dir, accountId, mediaId);

/** Writes a stream to `path`, counting and hashing it on the way. */
async function writeHashed(stream: Readable, path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  await pipeline(stream, createWriteStream(path));
  return { size, sha256: hash.digest('hex') };
}

/**
 * The account's folder under MEDIA_DIR, made if missing. One Dak cannot write to is the
 * operator's to fix, not the caller's: a 503 that says so (and logs nothing secret).
 */
async function accountMediaDir(ctx: ApiContext, accountId: string): Promise<string> {
  const dir = join(ctx.config.media.dir, accountId);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    ctx.logger.error({ err: error, dir: ctx.config.media.dir }, 'MEDIA_DIR is not writable');
    throw new ServiceUnavailableError(
      'Dak cannot store media files right now (its MEDIA_DIR is not writable). Try again later; the operator has been told in the logs.',
      30,
    );
  }
  return dir;
}

/** Reads the multipart form: its fields, and its `file` part into a temporary file under MEDIA_DIR. */
async function receiveForm(ctx: ApiContext, req: Request, accountId: string): Promise<Received> {
  await accountMediaDir(ctx, accountId);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { fileSize: MAX_MEDIA_BYTES + 1, files: 1, fields: 10, fieldSize: 1024 },
    });
  } catch {
    throw new DakError(
      'invalid_request',
      'Send the file as multipart/form-data with the fields phone_number_id and file (e.g. curl -F phone_number_id=… -F file=@photo.jpg).',
      { issues: [{ path: 'file', message: 'the body is not multipart/form-data' }] },
    );
  }
  const received: Received = { fields: {} };
  const writes: Promise<void>[] = [];
  let incoming: string | undefined;
  parser.on('field', (name, value) => {
    received.fields[name] = value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || incoming) {
      stream.resume();
      return;
    }
    const path = tempPath(ctx, accountId);
    incoming = path;
    writes.push(
      writeHashed(stream, path).then(({ size, sha256 }) => {
        received.file = {
          path,
          mimeType: info.mimeType,
          filename: info.filename ?? '',
          size,
          sha256,
          truncated: (stream as Readable & { truncated?: boolean }).truncated === true,
        };
      }),
    );
  });
  try {
    await pipeline(req, parser);
    await Promise.all(writes);
  } catch (error) {
    // A body cut short: wait for the file's write to settle (no rejection left unheard), then drop it.
    await Promise.allSettled(writes);
    if (incoming) await unlink(incoming).catch(() => undefined);
    throw new DakError('invalid_request', `The multipart body could not be read (${String(error)}); send it again.`, {
      issues: [{ path: 'file', message: 'unreadable multipart body' }],
    });
  }
  return received;
}

function metaFailure(error: unknown, what: string): Error {
  if (error instanceof GraphApiError && error.httpStatus < 500) {
    return new DakError(
      'meta_refused',
      `Meta refused the ${what}: ${error.error?.message ?? `HTTP ${error.httpStatus}`}.`,
      {
        meta_error: error.error,
      },
    );
  }
  const unavailable = new ServiceUnavailableError(`The Cloud API did not answer the ${what}. Retry shortly.`, 30);
  unavailable.cause = error;
  return unavailable;
}

/** Moves a file into the store if the cap allows, else deletes it; true when kept. */
async function keep(ctx: ApiContext, row: Media, from: string): Promise<boolean> {
  const to = keptPath(ctx, row.account_id, row.meta_media_id);
  await rename(from, to);
  const kept = await markMediaStored(
    ctx.db,
    { accountId: row.account_id, metaMediaId: row.meta_media_id },
    to,
    row.file_size,
    ctx.config.media.maxStoredBytes,
  );
  if (!kept) await unlink(to).catch(() => undefined);
  return kept;
}

/**
 * POST /media: reads the form, checks the file against Meta's type and size limits (nothing
 * goes to Meta otherwise), uploads it with the number's token, records it, and keeps the file.
 */
export async function uploadMedia(ctx: ApiContext, principal: Principal, req: Request): Promise<MediaAnswer> {
  const { fields, file } = await receiveForm(ctx, req, principal.accountId);
  try {
    if (!fields.phone_number_id) throw invalidField('phone_number_id', "required: Meta's id of one of your numbers");
    if (!file) throw invalidField('file', 'required: the file to upload, as a multipart file part named "file"');
    const phone = await resolveSender(ctx, principal, fields.phone_number_id);
    const mimeType = (fields.type || file.mimeType).split(';')[0]!.trim().toLowerCase();
    checkMediaSize(mimeType, file.truncated ? MAX_MEDIA_BYTES + 1 : file.size);
    let metaId: string;
    try {
      metaId = await ctx.graph.uploadMedia(
        phone.meta_phone_number_id,
        decryptSecret(phone.access_token_encrypted, ctx.config.encryptionKey),
        { blob: await openAsBlob(file.path, { type: mimeType }), mimeType, filename: file.filename || 'file' },
      );
    } catch (error) {
      throw metaFailure(error, 'media upload');
    }
    const row = await insertMedia(ctx.db, {
      account_id: principal.accountId,
      meta_media_id: metaId,
      sender_id: phone.id,
      source: 'upload',
      mime_type: mimeType,
      file_size: file.size,
      sha256: file.sha256,
      filename: file.filename || null,
    });
    await keep(ctx, row, file.path);
    return { id: metaId, mime_type: mimeType, file_size: file.size, sha256: file.sha256 };
  } finally {
    await unlink(file?.path ?? '').catch(() => undefined);
  }
}

function notFound(ctx: ApiContext, id: string): DakError {
  return new DakError(
    'media_not_found',
    `No media "${id}" for your account: Dak has no record of it (it was not uploaded through Dak by your account, or it is older than the ${ctx.config.media.retentionDays} days Dak keeps media, or the customer's message it came in was deleted), and Meta does not have it for any of your numbers (Meta keeps media for 30 days). To send the file, upload it again (POST /media) and use the new id.`,
  );
}

/** The account's numbers with their tokens, the media's own number first. */
async function tokensFor(ctx: ApiContext, accountId: string, first: string | null): Promise<PhoneNumber[]> {
  const phones = await listPhoneNumbers(ctx.db, accountId);
  return phones.sort((a, b) => Number(b.id === first) - Number(a.id === first));
}

/**
 * A customer's media the account has not read yet: only an id that came in a message to one of
 * the account's numbers is looked up, at Meta with that number's token, and recorded. Any other
 * id is a 404 without asking Meta (a token that sees several businesses must not lend one
 * account another's media).
 */
async function lookUpAtMeta(ctx: ApiContext, accountId: string, id: string): Promise<Media> {
  const senderId = await inboundMediaSender(ctx.db, accountId, id);
  const [phone] = senderId ? await tokensFor(ctx, accountId, senderId) : [];
  if (!phone || phone.id !== senderId) throw notFound(ctx, id);
  let info;
  try {
    info = await ctx.graph.getMedia(id, decryptSecret(phone.access_token_encrypted, ctx.config.encryptionKey));
  } catch (error) {
    if (error instanceof GraphApiError && error.httpStatus < 500) throw notFound(ctx, id);
    throw metaFailure(error, 'media lookup');
  }
  return insertMedia(ctx.db, {
    account_id: accountId,
    meta_media_id: id,
    sender_id: phone.id,
    source: 'inbound',
    mime_type: info.mime_type,
    file_size: info.file_size,
    sha256: info.sha256,
    filename: null,
  });
}

/** Downloads the file from Meta into a temporary file; Meta's 4xx means it no longer has it. */
async function download(ctx: ApiContext, row: Media): Promise<{ path: string; size: number }> {
  const [phone] = await tokensFor(ctx, row.account_id, row.sender_id);
  if (!phone) throw notFound(ctx, row.meta_media_id);
  const token = decryptSecret(phone.access_token_encrypted, ctx.config.encryptionKey);
  let response: Response;
  try {
    const info = await ctx.graph.getMedia(row.meta_media_id, token);
    response = await ctx.graph.downloadMedia(info.url, token);
  } catch (error) {
    if (error instanceof GraphApiError && error.httpStatus < 500) throw notFound(ctx, row.meta_media_id);
    throw metaFailure(error, 'media download');
  }
  await accountMediaDir(ctx, row.account_id);
  const path = tempPath(ctx, row.account_id);
  const { size } = await writeHashed(Readable.fromWeb(response.body as never), path);
  return { path, size };
}

export interface MediaFile {
  stream: Readable;
  mimeType: string;
  size: number;
}

/**
 * GET /media/:id: the file from Dak's store, or downloaded from Meta (and kept, within the
 * cap) on first read. An id not recorded yet is looked up at Meta only if a customer sent it
 * to one of the account's numbers (lookUpAtMeta).
 */
export async function openMedia(ctx: ApiContext, principal: Principal, id: string): Promise<MediaFile> {
  if (!MEDIA_ID.test(id)) throw notFound(ctx, id);
  const row = (await findMedia(ctx.db, principal.accountId, id)) ?? (await lookUpAtMeta(ctx, principal.accountId, id));
  if (row.stored_path) {
    try {
      const handle = await open(row.stored_path);
      return { stream: handle.createReadStream(), mimeType: row.mime_type, size: row.file_size };
    } catch {
      // Deleted from disk (or MEDIA_DIR changed): fetch it again.
      await clearMediaStored(ctx.db, row.account_id, row.meta_media_id);
    }
  }
  const { path, size } = await download(ctx, row);
  // Opened before it is moved or deleted: a file not kept (past the cap) is still read to its end.
  const handle = await open(path);
  await keep(ctx, { ...row, file_size: size }, path).catch(() => unlink(path).catch(() => undefined));
  return { stream: handle.createReadStream(), mimeType: row.mime_type, size };
}
