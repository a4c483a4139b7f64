import { defineRoute } from '../../http/route';
import { mediaParams, mediaSchema, streamBody, uploadMediaFormSchema } from './schema';
import { openMedia, uploadMedia } from './service';

export const mediaRoutes = [
  defineRoute({
    method: 'post',
    path: '/media',
    auth: 'api_key',
    tag: 'Messages',
    operationId: 'uploadMedia',
    summary: "Upload a file to Meta for one of your numbers; use the id in a template's media header",
    description:
      'multipart/form-data with `phone_number_id` and `file` (and `type`, the MIME type, if the file part does not carry it). ' +
      "Dak checks Meta's limits before anything goes to Meta: image jpeg/png ≤ 5 MB; video mp4/3gpp ≤ 16 MB; audio aac/amr/mpeg/mp4/ogg ≤ 16 MB; " +
      "document pdf, doc(x), xls(x), ppt(x), txt ≤ 100 MB; sticker webp ≤ 500 KB. The answer's `id` is Meta's media id: send it as " +
      '`{"type":"header","parameters":[{"type":"image","image":{"id":"…"}}]}`, and read the file back with GET /media/{id}.',
    upload: { schema: uploadMediaFormSchema },
    responses: { 201: { description: 'Uploaded to Meta', schema: mediaSchema } },
    errors: [
      'media_too_large',
      'media_type_not_supported',
      'phone_number_not_found',
      'phone_number_not_allowed',
      'meta_refused',
    ],
  }).handle(async ({ ctx, req, principal }) => ({ status: 201, body: await uploadMedia(ctx, principal, req) })),
  defineRoute({
    method: 'get',
    path: '/media/:id',
    auth: 'api_key',
    tag: 'Messages',
    operationId: 'getMedia',
    summary: 'The file behind a media id: one you uploaded, or one a customer sent to your numbers',
    description:
      "Served from Dak's store when kept; otherwise downloaded from Meta on this request (Meta keeps media 30 days) and kept, " +
      "up to MEDIA_MAX_STORED_BYTES in all, for MEDIA_RETENTION_DAYS (a customer's file no longer than its message). " +
      "After that Dak forgets the id: a customer's media whose message is still kept is downloaded again while Meta has it, anything else is a 404 (upload the file again for a new id). " +
      'An id not uploaded through Dak is looked up at Meta through your numbers, ' +
      "so customers' media ids from inbound messages work too. Another account's media is a 404.",
    params: mediaParams,
    responses: {
      200: { description: 'The file, with its MIME type', schema: streamBody, contentType: 'application/octet-stream' },
    },
    errors: ['media_not_found', 'meta_refused'],
  }).handle(async ({ ctx, params, principal }) => {
    const file = await openMedia(ctx, principal, params.id);
    return {
      status: 200,
      body: file.stream,
      headers: {
        'content-type': file.mimeType,
        'content-length': String(file.size),
        'cache-control': 'private, max-age=86400',
        // The bytes are a customer's or the account's file, never a page of Dak's.
        'content-security-policy': "default-src 'none'; sandbox",
      },
    };
  }),
];
