import { describe, expect, it } from 'vitest';
import { DakError, checkMediaSize, mediaKindOf } from '../src/index';

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DakError ? error.code : 'not a DakError';
  }
  return 'no error';
};

describe("Meta's media limits", () => {
  it('maps each accepted MIME type to its kind, ignoring parameters and case', () => {
    expect(mediaKindOf('image/PNG').kind).toBe('image');
    expect(mediaKindOf('audio/ogg; codecs=opus').kind).toBe('audio');
    expect(mediaKindOf('application/pdf').kind).toBe('document');
    expect(mediaKindOf('image/webp').kind).toBe('sticker');
    expect(codeOf(() => mediaKindOf('image/gif'))).toBe('media_type_not_supported');
  });

  it('takes a file at its limit and refuses one byte more', () => {
    const limits: [string, number][] = [
      ['image/jpeg', 5 * 1024 * 1024],
      ['video/mp4', 16 * 1024 * 1024],
      ['audio/mpeg', 16 * 1024 * 1024],
      ['application/pdf', 100 * 1024 * 1024],
      ['image/webp', 500 * 1024],
    ];
    for (const [mime, max] of limits) {
      expect(codeOf(() => checkMediaSize(mime, max))).toBe('no error');
      expect(codeOf(() => checkMediaSize(mime, max + 1))).toBe('media_too_large');
    }
  });
});
