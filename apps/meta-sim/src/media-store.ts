import { createHash } from 'node:crypto';
import { MetaApiError } from './meta-errors';

/** Meta's upload limits per media type (Cloud API, "Supported media types"). */
const KINDS: { mime: string[]; maxBytes: number; label: string }[] = [
  { label: 'image', mime: ['image/jpeg', 'image/png'], maxBytes: 5 * 1024 * 1024 },
  { label: 'video', mime: ['video/mp4', 'video/3gpp'], maxBytes: 16 * 1024 * 1024 },
  {
    label: 'audio',
    mime: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
    maxBytes: 16 * 1024 * 1024,
  },
  {
    label: 'document',
    mime: [
      'text/plain',
      'application/pdf',
      'application/msword',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.ms-excel',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
    maxBytes: 100 * 1024 * 1024,
  },
  // Meta allows 500 KB for animated stickers; the simulator cannot tell them apart, so it takes the larger.
  { label: 'sticker', mime: ['image/webp'], maxBytes: 500 * 1024 },
];

/** The largest file any type accepts: the upload parser stops reading past it. */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;

export interface StoredMedia {
  id: string;
  wabaId: string;
  phoneNumberId: string;
  mimeType: string;
  sha256: string;
  bytes: Buffer;
}

/** Checks a file against Meta's type and size limits, answering Meta's errors. */
export function checkMedia(mimeType: string, size: number): void {
  const kind = KINDS.find((candidate) => candidate.mime.includes(mimeType));
  if (!kind) {
    const all = KINDS.flatMap((candidate) => candidate.mime).join(', ');
    throw new MetaApiError(
      100,
      `Param file must be a file with one of the following types: ${all}. Received file of type '${mimeType}'.`,
    );
  }
  if (size > kind.maxBytes) {
    throw new MetaApiError(
      131053,
      `Media file size too big. Max file size we currently support: ${kind.maxBytes} bytes for ${kind.label}; the file has ${size} bytes.`,
    );
  }
}

/** Uploaded and customer-sent media, in memory, by Graph id. */
export class MediaStore {
  private readonly media = new Map<string, StoredMedia>();

  add(entry: Omit<StoredMedia, 'sha256'>): StoredMedia {
    const stored = { ...entry, sha256: createHash('sha256').update(entry.bytes).digest('hex') };
    this.media.set(stored.id, stored);
    return stored;
  }

  get(id: string): StoredMedia | undefined {
    return this.media.get(id);
  }

  delete(id: string): boolean {
    return this.media.delete(id);
  }

  clear(): void {
    this.media.clear();
  }
}
