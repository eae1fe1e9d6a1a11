import { describe, expect, it } from 'vitest';
import { imageTypeOf, isSha256Hex, parseByteRange } from '../../relay/photos/photoBytes';

const bytes = (...values: Array<number | string>): Uint8Array =>
  new Uint8Array(values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])));

describe('imageTypeOf', () => {
  it.each([
    ['a JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10), 'image/jpeg'],
    ['a PNG', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d), 'image/png'],
    ['a WebP', bytes('RIFF', 0x24, 0, 0, 0, 'WEBPVP8 '), 'image/webp'],
    ['a RIFF that is not WebP (a WAV)', bytes('RIFF', 0x24, 0, 0, 0, 'WAVEfmt '), null],
    ['an HTML page', bytes('<!doctype html>'), null],
    ['a GIF', bytes('GIF89a'), null],
    ['two bytes of a JPEG', bytes(0xff, 0xd8), null],
    ['nothing', bytes(), null],
  ])('%s', (_name, head, type) => {
    expect(imageTypeOf(head)).toBe(type);
  });
});

describe('isSha256Hex', () => {
  it.each([
    ['64 lowercase hex digits', 'a'.repeat(64), true],
    ['uppercase', 'A'.repeat(64), false],
    ['63 digits', 'a'.repeat(63), false],
    ['a path', `../${'a'.repeat(61)}`, false],
    ['not a string', 42, false],
  ])('%s', (_name, value, ok) => {
    expect(isSha256Hex(value)).toBe(ok);
  });
});

describe('parseByteRange', () => {
  it.each([
    ['no header: the whole file', undefined, 100, null],
    ['the first ten bytes', 'bytes=0-9', 100, { start: 0, end: 9 }],
    ['from 90 to the end', 'bytes=90-', 100, { start: 90, end: 99 }],
    ['the last 5 bytes', 'bytes=-5', 100, { start: 95, end: 99 }],
    ['past the end is cut to it', 'bytes=50-500', 100, { start: 50, end: 99 }],
    ['a suffix longer than the file is all of it', 'bytes=-500', 100, { start: 0, end: 99 }],
    ['starting past the end', 'bytes=100-', 100, 'unsatisfiable'],
    ['backwards', 'bytes=9-0', 100, 'unsatisfiable'],
    ['several ranges: the whole file', 'bytes=0-1,5-6', 100, null],
    ['another unit: the whole file', 'items=0-1', 100, null],
  ])('%s', (_name, header, size, range) => {
    expect(parseByteRange(header, size)).toEqual(range);
  });
});
