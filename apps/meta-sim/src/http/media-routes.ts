import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import express from 'express';
import { checkMedia, MAX_MEDIA_BYTES, type StoredMedia } from '../media-store';
import { authorizeNumber } from '../message-service';
import { MetaApiError, metaErrorBody } from '../meta-errors';
import type { SimCore } from '../sim-core';
import { unknownObject } from '../template-service';
import { bearerOf, exchangeOf, type MetaExchange, serveMeta, writeJson } from './meta-exchange';

/** Where a media object's bytes are served, as Meta's lookaside host does (the path only). */
export const DOWNLOAD_PATH = '/whatsapp_business/attachments/';

interface Upload {
  fields: Record<string, string>;
  file?: { bytes: Buffer; mimeType: string; size: number };
}

/** Reads a multipart body; a file past the largest limit is counted, not kept. */
function readMultipart(req: IncomingMessage): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const upload: Upload = { fields: {} };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_MEDIA_BYTES + 1, files: 1, fields: 10 } });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    parser.on('field', (name, value) => {
      upload.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        chunks.push(chunk);
      });
      stream.on('end', () => {
        if (name === 'file') upload.file = { bytes: Buffer.concat(chunks), mimeType: info.mimeType, size };
      });
    });
    parser.on('error', reject);
    parser.on('close', () => resolve(upload));
    req.pipe(parser);
  });
}

/** The media a token's business owns, or Meta's "does not exist" (another business's media included). */
function ownedMedia(core: SimCore, exchange: MetaExchange, id: string): StoredMedia {
  const token = bearerOf(exchange);
  const tokenWaba = token ? core.store.wabaForToken(token) : undefined;
  if (!tokenWaba) throw new MetaApiError(190, 'Invalid OAuth access token - Cannot parse access token');
  const media = core.media.get(id);
  if (!media || media.wabaId !== tokenWaba) throw unknownObject(id);
  return media;
}

/**
 * Meta's media endpoints: upload (`POST /{phone_number_id}/media`, multipart), the URL
 * (`GET /{media_id}`), the download (the URL, with the business's token) and
 * `DELETE /{media_id}`. Mounted ahead of the other Meta routes; other ids fall through.
 */
export function mediaRoutes(core: SimCore): express.Router {
  const router = express.Router();

  router.post('/:version/:phoneNumberId/media', async (req, res) => {
    const phoneNumberId = String(req.params.phoneNumberId);
    let upload: Upload | undefined;
    let unreadable: string | undefined;
    try {
      upload = await readMultipart(req);
    } catch (error) {
      unreadable = error instanceof Error ? error.message : String(error);
    }
    const exchange = exchangeOf(req, res);
    await serveMeta(core, exchange, { route: 'other', phoneNumberId }, () => {
      const number = authorizeNumber(core.store, phoneNumberId, bearerOf(exchange));
      if (!upload) throw new MetaApiError(100, `The request is not a readable multipart/form-data body: ${unreadable}`);
      if (upload.fields.messaging_product !== 'whatsapp') {
        throw new MetaApiError(100, 'The parameter messaging_product is required and must be whatsapp');
      }
      if (!upload.file) throw new MetaApiError(100, 'The parameter file is required');
      const mimeType = upload.fields.type || upload.file.mimeType;
      checkMedia(mimeType, upload.file.size);
      const stored = core.media.add({
        id: core.ids.objectId(),
        wabaId: number.wabaId,
        phoneNumberId: number.id,
        mimeType,
        bytes: upload.file.bytes,
      });
      return { status: 200, body: { id: stored.id } };
    });
  });

  router.get('/:version/:mediaId', (req, res, next) => {
    const id = String(req.params.mediaId);
    const media = core.media.get(id);
    if (!media) return next();
    return serveMeta(core, exchangeOf(req, res), { route: 'other', wabaId: media.wabaId }, () => {
      ownedMedia(core, exchangeOf(req, res), id);
      const url = `${req.protocol}://${req.get('host')}${DOWNLOAD_PATH}?mid=${id}&hash=${media.sha256.slice(0, 16)}`;
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          url,
          mime_type: media.mimeType,
          sha256: media.sha256,
          file_size: media.bytes.length,
          id,
        },
      };
    });
  });

  router.delete('/:version/:mediaId', (req, res, next) => {
    const id = String(req.params.mediaId);
    const media = core.media.get(id);
    if (!media) return next();
    return serveMeta(core, exchangeOf(req, res), { route: 'other', wabaId: media.wabaId }, () => {
      ownedMedia(core, exchangeOf(req, res), id);
      core.media.delete(id);
      return { status: 200, body: { success: true } };
    });
  });

  // The download needs the owning business's token, as Meta's lookaside URLs do.
  router.get(DOWNLOAD_PATH, (req, res) => {
    const exchange = exchangeOf(req, res);
    const token = bearerOf(exchange);
    const tokenWaba = token ? core.store.wabaForToken(token) : undefined;
    const media = core.media.get(String(req.query.mid ?? ''));
    if (!tokenWaba) {
      const error = new MetaApiError(190, 'An access token is required to download media', { httpStatus: 401 });
      writeJson(res, 401, metaErrorBody(error, core.ids.fbtraceId()));
      return;
    }
    if (!media || media.wabaId !== tokenWaba || req.query.hash !== media.sha256.slice(0, 16)) {
      writeJson(res, 404, metaErrorBody(unknownObject(String(req.query.mid ?? '')), core.ids.fbtraceId()));
      return;
    }
    res.writeHead(200, { 'content-type': media.mimeType, 'content-length': media.bytes.length });
    res.end(media.bytes);
  });

  return router;
}
