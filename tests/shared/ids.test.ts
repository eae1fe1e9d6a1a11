import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryId, isDeviceId, isEntryId, isRecordId, isSiteId, toDeviceId, toEntryId, toRecordId, toSiteId } from '../../shared/model';

/** The grammar of ids, written as regular expressions: the reference the checkers must agree with. */
const REFERENCE = {
  token: (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(v) && !v.includes('..'),
  recordId: (v: unknown) => typeof v === 'string' && /^[A-Za-z0-9._-]{1,120}$/.test(v) && !v.includes('..'),
  entryId: (v: unknown) =>
    typeof v === 'string' &&
    /^[A-Za-z0-9._-]{1,64}:(0|[1-9][0-9]{0,15})$/.test(v) &&
    !v.includes('..') &&
    Number.isSafeInteger(Number(v.split(':')[1])),
};

const long = (n: number) => 'a'.repeat(n);

describe('isDeviceId, isSiteId', () => {
  it.each<[unknown, boolean]>([
    ['dev-a', true],
    ['3f0c9a52-6f1e-4c1b-9d4e-2b7a1c0e9f11', true],
    ['A.b_c-9', true],
    ['.', true],
    ['a.b.c', true],
    [long(64), true],
    [long(65), false],
    ['', false],
    ['a..b', false],
    ['..', false],
    ['a:b', false],
    ['a/b', false],
    ['a b', false],
    ['dev-a\n', false],
    ['é', false],
    ['a\u0000', false],
    [7, false],
    [null, false],
    [undefined, false],
    [['dev-a'], false],
  ])('%j -> %s', (value, expected) => {
    expect(isDeviceId(value)).toBe(expected);
    expect(isSiteId(value)).toBe(expected);
  });
});

describe('isRecordId', () => {
  it.each<[unknown, boolean]>([
    ['R-2024-0001', true],
    [long(120), true],
    [long(121), false],
    ['', false],
    ['R..1', false],
    ['record:R1', false],
    [1, false],
  ])('%j -> %s', (value, expected) => {
    expect(isRecordId(value)).toBe(expected);
  });
});

describe('isEntryId', () => {
  it.each<[unknown, boolean]>([
    ['dev-a:0', true],
    ['dev-a:7', true],
    ['dev-a:9007199254740991', true],
    [`${long(64)}:1`, true],
    ['a.:1', true],
    ['dev-a:9007199254740992', false],
    ['dev-a:10000000000000000', false],
    ['dev-a:07', false],
    ['dev-a:00', false],
    ['dev-a:-1', false],
    ['dev-a:1.5', false],
    ['dev-a:1e3', false],
    ['dev-a: 1', false],
    ['dev-a:1 ', false],
    ['dev-a:', false],
    [':1', false],
    ['dev-a', false],
    ['a:b:1', false],
    ['a..b:1', false],
    [`${long(65)}:1`, false],
    ['dev a:1', false],
    ['', false],
    [7, false],
    [null, false],
  ])('%j -> %s', (value, expected) => {
    expect(isEntryId(value)).toBe(expected);
  });
});

describe('the checkers agree with the grammar', () => {
  // Mostly token characters, so that many strings are valid and the rest miss by little.
  const unit = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('a', 'Z', '0', '1', '9', '_', '-') },
    { weight: 2, arbitrary: fc.constant('.') },
    { weight: 1, arbitrary: fc.constantFrom(':', ' ', '/', '\n', '\u0000', '\u007f', 'é', '\u{1F4E6}') },
  );
  const text = (minLength: number, maxLength: number) => fc.string({ unit, minLength, maxLength });
  const seqText = fc.oneof(
    fc.nat().map(String),
    fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) - 5n, max: BigInt(Number.MAX_SAFE_INTEGER) + 5n }).map(String),
    fc.bigInt({ min: -10n, max: 10n ** 17n }).map(String),
    text(0, 18),
  );
  const idLike = fc.oneof(
    text(0, 12),
    text(58, 70), // around the 64 characters of a token
    text(115, 125), // around the 120 characters of a record id
    { weight: 3, arbitrary: fc.tuple(fc.oneof(text(0, 8), text(60, 68)), seqText).map(([device, seq]) => `${device}:${seq}`) },
    fc.anything(),
  );

  it('isDeviceId and isSiteId', () => {
    fc.assert(
      fc.property(idLike, (v) => {
        expect(isDeviceId(v)).toBe(REFERENCE.token(v));
        expect(isSiteId(v)).toBe(REFERENCE.token(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('isRecordId', () => {
    fc.assert(
      fc.property(idLike, (v) => {
        expect(isRecordId(v)).toBe(REFERENCE.recordId(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('isEntryId', () => {
    fc.assert(
      fc.property(idLike, (v) => {
        expect(isEntryId(v)).toBe(REFERENCE.entryId(v));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('toX and entryId', () => {
  it('return the value when it is valid', () => {
    expect(toDeviceId('dev-a')).toBe('dev-a');
    expect(toSiteId('site-1')).toBe('site-1');
    expect(toRecordId('R1')).toBe('R1');
    expect(toEntryId('dev-a:3')).toBe('dev-a:3');
    expect(entryId('dev-a', 3)).toBe('dev-a:3');
  });

  it.each<[string, () => unknown, string]>([
    ['toDeviceId', () => toDeviceId('a b'), 'invalid device id: "a b"'],
    ['toSiteId', () => toSiteId(3), 'invalid site id: number'],
    ['toRecordId', () => toRecordId(long(130)), `invalid record id: "${long(60)}"`],
    ['toEntryId', () => toEntryId('dev-a'), 'invalid entry id: "dev-a"'],
    ['entryId with a bad device', () => entryId('a:b', 1), 'invalid entry id: "a:b:1"'],
    ['entryId with a bad seq', () => entryId('dev-a', -1), 'invalid entry id: "dev-a:-1"'],
  ])('%s throws a clear error', (_name, call, message) => {
    expect(call).toThrow(new Error(message));
  });
});
