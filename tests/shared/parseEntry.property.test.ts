/**
 * The text rules of `parseEntry` against a plain reference written with
 * regular expressions: keys (user, item, bin, lot...) and human text
 * (comments, notes) are accepted exactly when the reference says so.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tryParseEntry } from '../../shared/model';

const header = { id: 'dev-a:7', user: 'ana', device: 'dev-a', at: 1_700_000_000_000, seq: 7 };

const REFERENCE = {
  /** 1-200 characters, no surrounding whitespace, no control characters at all. */
  key: (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 200 && v.trim() === v && !/[\u0000-\u001f\u007f]/.test(v),
  /** Up to `max` characters, at least `min` of them not whitespace; tabs and newlines allowed. */
  text: (min: number, max: number) => (v: unknown) =>
    typeof v === 'string' && v.trim().length >= min && v.length <= max && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v),
  integer: (min: number, max: number) => (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max,
};

// Ordinary characters, every kind of whitespace JavaScript trims, and control characters.
const plain = fc.constantFrom('a', 'Z', '7', '-', ' ', 'é', '\u{1F4E6}', '\u0080');
const printable = fc.oneof({ weight: 4, arbitrary: plain }, fc.constantFrom('\t', '\n', '\u00a0', '\u2028', '\ufeff', '\u3000'));
const control = fc.constantFrom('\u0000', '\u0008', '\r', '\u000b', '\u001f', '\u007f');
/** Strings of `length` ± 4 UTF-16 units (a cut may split an emoji: a lone surrogate is a fine test too). */
const stringOf = (unit: fc.Arbitrary<string>, length: number) =>
  fc
    .tuple(fc.string({ unit, minLength: length + 4, maxLength: length + 4 }), fc.integer({ min: -4, max: 4 }))
    .map(([s, delta]) => s.slice(0, Math.max(0, length + delta)));
/** Strings of about `length` characters: plain, with whitespace, or with one control character somewhere. */
const stringNear = (length: number) =>
  fc.oneof(
    stringOf(plain, length),
    stringOf(printable, length),
    fc.tuple(stringOf(printable, length), control, fc.nat()).map(([s, c, at]) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1))),
  );
const textLike = fc.oneof(stringNear(4), stringNear(200), stringNear(4000), fc.anything());
const numberLike = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double(), fc.constantFrom(1e9, 1e9 + 1, 2 ** 53, Infinity), fc.anything());

const accepts = (entry: object) => tryParseEntry(entry) !== undefined;

describe('parseEntry agrees with the reference rules', () => {
  it('for keys (user, item, lot)', () => {
    fc.assert(
      fc.property(textLike, (v) => {
        expect(accepts({ ...header, user: v, kind: 'comment', text: 'hi' })).toBe(REFERENCE.key(v));
        expect(accepts({ ...header, kind: 'line', item: v, qty: 1 })).toBe(REFERENCE.key(v));
        expect(accepts({ ...header, kind: 'line', item: 'X', qty: 1, lot: v })).toBe(v === undefined || REFERENCE.key(v));
      }),
      { numRuns: 500 },
    );
  });

  it('for text (comments, reasons, notes)', () => {
    fc.assert(
      fc.property(textLike, (v) => {
        expect(accepts({ ...header, kind: 'comment', text: v })).toBe(REFERENCE.text(1, 4000)(v));
        expect(accepts({ ...header, kind: 'reversal', reverses: 'dev-b:1', reason: v })).toBe(REFERENCE.text(1, 200)(v));
        expect(accepts({ ...header, kind: 'line', item: 'X', qty: 1, note: v })).toBe(v === undefined || REFERENCE.text(0, 4000)(v));
      }),
      { numRuns: 500 },
    );
  });

  it('for quantities', () => {
    fc.assert(
      fc.property(numberLike, (v) => {
        expect(accepts({ ...header, kind: 'line', item: 'X', qty: v })).toBe(REFERENCE.integer(1, 1e9)(v));
        expect(accepts({ ...header, kind: 'count', bin: 'B', item: 'X', qty: v })).toBe(REFERENCE.integer(0, 1e9)(v));
      }),
      { numRuns: 500 },
    );
  });
});
