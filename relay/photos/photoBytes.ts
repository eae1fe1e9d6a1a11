/**
 * What the relay checks of a photo's bytes and names, as pure functions: a
 * photo is named by the SHA-256 of its bytes (lowercase hex), is a JPEG, PNG
 * or WebP by its first bytes (never by what a client says), and is served in
 * byte ranges.
 */

/** The image types the relay accepts, by the magic bytes they start with. */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

/** Bytes of a file's start that `imageTypeOf` needs. */
export const MAGIC_BYTES = 12;

/** A photo's name: the lowercase hex SHA-256 of its bytes. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** The image type `head` (a file's first bytes) starts with, or null when it is none of them. */
export function imageTypeOf(head: Uint8Array): ImageType | null {
  const at = (i: number): number => head[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => at(i) === b)) return 'image/png';
  const ascii = (from: number, text: string): boolean => [...text].every((c, i) => at(from + i) === c.charCodeAt(0));
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return null;
}

/** The MIME types a device may declare for a photo (`filetype` in Upload-Metadata). */
export function isImageType(value: unknown): value is ImageType {
  return value === 'image/jpeg' || value === 'image/png' || value === 'image/webp';
}

/** A byte range to serve: first and last byte, inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The range a `Range` header asks of a file of `size` bytes: null for the
 * whole file (no header, or one this server does not do, such as several
 * ranges), 'unsatisfiable' for a range outside the file (416).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    // The last `to` bytes.
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
