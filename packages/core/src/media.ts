import { DakError } from './errors';

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MB = 1024 * 1024;

/**
 * What Meta accepts per media type (Cloud API, "Supported media types"). Stickers are 100 KB
 * static and 500 KB animated; Dak cannot tell them apart without decoding the file, so it lets
 * 500 KB through and leaves the static limit to Meta.
 */
export const MEDIA_TYPES: Record<MediaKind, { mimeTypes: readonly string[]; maxBytes: number }> = {
  image: { mimeTypes: ['image/jpeg', 'image/png'], maxBytes: 5 * MB },
  video: { mimeTypes: ['video/mp4', 'video/3gpp'], maxBytes: 16 * MB },
  audio: { mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], maxBytes: 16 * MB },
  document: {
    mimeTypes: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * MB,
  },
  sticker: { mimeTypes: ['image/webp'], maxBytes: 500 * 1024 },
};

/** The largest file of any type: an upload is not read past it. */
export const MAX_MEDIA_BYTES = 100 * MB;

/** The kind and size limit for a MIME type; DakError `media_type_not_supported` when Meta takes no such files. */
export function mediaKindOf(mimeType: string): { kind: MediaKind; maxBytes: number } {
  const base = mimeType.split(';')[0]!.trim().toLowerCase();
  for (const [kind, spec] of Object.entries(MEDIA_TYPES) as [MediaKind, (typeof MEDIA_TYPES)[MediaKind]][]) {
    if (spec.mimeTypes.includes(base)) return { kind, maxBytes: spec.maxBytes };
  }
  const accepted = Object.values(MEDIA_TYPES).flatMap((spec) => spec.mimeTypes);
  throw new DakError(
    'media_type_not_supported',
    `Meta does not accept "${base}" files. Send one of: ${accepted.join(', ')} (set the file part's Content-Type or the "type" field).`,
    { mime_type: base, accepted },
  );
}

/** DakError `media_too_large` when `size` is past the type's limit. */
export function checkMediaSize(mimeType: string, size: number): void {
  const { kind, maxBytes } = mediaKindOf(mimeType);
  if (size > maxBytes) {
    throw new DakError(
      'media_too_large',
      `The ${kind} is ${size} bytes; Meta accepts at most ${maxBytes} bytes for ${mimeType}. Compress or resize it and upload again.`,
      { kind, size, max_bytes: maxBytes },
    );
  }
}
