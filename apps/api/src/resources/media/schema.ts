import { streamBody } from '../../http/route';
import { z } from '../../openapi/zod';

export const mediaParams = z.object({ id: z.string().openapi({ example: '1037543291543636' }) });

/** The multipart form of POST /media, for the document (the service reads the parts itself). */
export const uploadMediaFormSchema = z.object({
  phone_number_id: z
    .string()
    .describe("Meta's id of the business number the media is for (one of your account's numbers)")
    .openapi({ example: '106540352242922' }),
  file: z.string().describe("The file; its part's Content-Type is the media's MIME type").openapi({ format: 'binary' }),
  type: z.string().optional().describe("The MIME type, if the file part's Content-Type is not it").openapi({
    example: 'image/jpeg',
  }),
});

export const mediaSchema = z
  .object({
    id: z.string().describe('Meta\'s media id: use it as `{"image":{"id":…}}` in a template\'s media header'),
    mime_type: z.string(),
    file_size: z.number().int(),
    sha256: z.string(),
  })
  .openapi('Media', {
    example: {
      id: '1037543291543636',
      mime_type: 'image/jpeg',
      file_size: 48213,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    },
  });

export { streamBody };
