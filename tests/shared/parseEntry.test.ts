import { describe, expect, it } from 'vitest';
import { ENTRY_KINDS, InvalidEntryError, parseEntry, tryParseEntry } from '../../shared/model';

const header = (seq = 7, device = 'dev-a') => ({ id: `${device}:${seq}`, user: 'ana', device, at: 1_700_000_000_000, seq });

/** One valid entry of every kind. */
const VALID = {
  line: { ...header(), kind: 'line', item: 'SKU-1', qty: 50, lot: 'L7', note: 'two boxes dented' },
  reversal: { ...header(), kind: 'reversal', reverses: 'dev-b:3', reason: 'wrong item' },
  count: { ...header(), kind: 'count', bin: 'A-01', item: 'SKU-1', qty: 0 },
  recountRequest: { ...header(), kind: 'recountRequest', bin: 'A-01', item: 'SKU-1', reason: 'counts differ' },
  comment: { ...header(), kind: 'comment', text: 'pallet 2\nwet' },
  photo: { ...header(), kind: 'photo', photoId: 'ph-1', caption: 'damage' },
  fieldEdit: { ...header(), kind: 'fieldEdit', field: 'supplier', from: null, to: 'ACME', base: null },
  proposal: { ...header(), kind: 'proposal', record: 'record:R1', field: 'status', value: 'received', baseRevision: 3 },
  resolution: { ...header(), kind: 'resolution', conflictId: 'c1', chosen: { value: 12, note: 'recounted myself' } },
} as const;

describe('parseEntry', () => {
  it('has a valid example for every kind', () => {
    expect(Object.keys(VALID).sort()).toEqual([...ENTRY_KINDS].sort());
  });

  it.each(Object.entries(VALID))('accepts a valid %s entry and returns an equal frozen copy', (_kind, input) => {
    const entry = parseEntry(input);
    expect(entry).toEqual(input);
    expect(entry).not.toBe(input);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it.each([
    ['line without optional keys', { ...header(), kind: 'line', item: 'SKU-1', qty: 1 }],
    ['optional keys set to undefined are dropped', { ...header(), kind: 'line', item: 'SKU-1', qty: 1, lot: undefined }],
    ['a count answering a recount request', { ...VALID.count, answers: 'dev-s:4' }],
    ['seq 0', { ...header(0), kind: 'comment', text: 'hi' }],
    ['a UUID device', { ...header(1, '3f0c9a52-6f1e-4c1b-9d4e-2b7a1c0e9f11'), kind: 'comment', text: 'hi' }],
    ['a fieldEdit with a base', { ...header(), kind: 'fieldEdit', field: 'notes', from: 'a', to: '', base: 'dev-b:1' }],
    ['an acceptedCount proposal', { ...header(), kind: 'proposal', record: 'record:R1', field: 'acceptedCount', value: 12, baseRevision: 0, bin: 'A-01', item: 'X' }],
    ['a hold proposal with a note, without record', { ...header(), kind: 'proposal', field: 'hold', value: true, baseRevision: 2, note: 'wet cartons' }],
    ['a resolution choosing a candidate', { ...header(), kind: 'resolution', record: 'record:R1', conflictId: 'c1', chosen: 'dev-b:9' }],
    ['an entered null value', { ...header(), kind: 'resolution', conflictId: 'c1', chosen: { value: null, note: 'n/a' } }],
  ])('accepts %s', (_name, input) => {
    expect(() => parseEntry(input)).not.toThrow();
  });

  it('drops undefined optional keys from the copy', () => {
    expect('lot' in parseEntry({ ...header(), kind: 'line', item: 'X', qty: 1, lot: undefined })).toBe(false);
  });

  const line = VALID.line;
  it.each<[string, unknown, string, RegExp]>([
    ['null', null, '', /plain object \(got null\)/],
    ['an array', [line], '', /plain object \(got an array\)/],
    ['a string', 'line', '', /plain object/],
    ['a class instance', new (class { kind = 'line' })(), '', /plain object/],
    ['no kind', { ...line, kind: undefined }, 'kind', /missing/],
    ['an unknown kind', { ...line, kind: 'delete' }, 'kind', /one of line, reversal/],
    ['no id', { ...line, id: undefined }, 'id', /missing/],
    ['an id not made of device and seq', { ...line, id: 'dev-a:8' }, 'id', /must be "dev-a:7"/],
    ['an id from another device', { ...line, id: 'dev-b:7' }, 'id', /must be "dev-a:7"/],
    ['a malformed id', { ...line, id: 'nope' }, 'id', /entry id/],
    ['a device with a colon', { ...line, device: 'a:b', id: 'a:b:7' }, 'id', /entry id/],
    ['an empty user', { ...line, user: '' }, 'user', /1-200 characters/],
    ['a padded user', { ...line, user: ' ana' }, 'user', /spaces/],
    ['a user with a control character', { ...line, user: 'a\u0000na' }, 'user', /control/],
    ['a string time', { ...line, at: '2024-01-01' }, 'at', /integer/],
    ['a negative time', { ...line, at: -1 }, 'at', /integer/],
    ['a fractional seq', { ...line, seq: 1.5, id: 'dev-a:1.5' }, 'id', /entry id/],
    ['a negative seq', { ...line, seq: -1, id: 'dev-a:-1' }, 'id', /entry id/],
    ['an unknown key', { ...line, status: 'closed' }, 'status', /not a key of a line entry/],
    ['a prototype-named key', { ...line, toString: 'x' }, 'toString', /not a key/],
    ['a line with qty 0', { ...line, qty: 0 }, 'qty', /integer from 1/],
    ['a line with negative qty', { ...line, qty: -5 }, 'qty', /integer from 1/],
    ['a line with fractional qty', { ...line, qty: 2.5 }, 'qty', /integer/],
    ['a line with NaN qty', { ...line, qty: Number.NaN }, 'qty', /integer/],
    ['a line with a string qty', { ...line, qty: '50' }, 'qty', /integer/],
    ['a line with a huge qty', { ...line, qty: 2e9 }, 'qty', /integer/],
    ['a line with an empty item', { ...line, item: '' }, 'item', /1-200/],
    ['a line with a padded item', { ...line, item: 'SKU-1 ' }, 'item', /spaces/],
    ['a line with a numeric lot', { ...line, lot: 7 }, 'lot', /string/],
    ['a count with negative qty', { ...VALID.count, qty: -1 }, 'qty', /integer from 0/],
    ['a count answering a malformed id', { ...VALID.count, answers: 'x' }, 'answers', /entry id/],
    ['a count without bin', { ...VALID.count, bin: undefined }, 'bin', /missing/],
    ['a reversal of a malformed id', { ...VALID.reversal, reverses: 'x' }, 'reverses', /entry id/],
    ['a reversal of itself', { ...VALID.reversal, reverses: 'dev-a:7' }, 'reverses', /another entry/],
    ['a reversal without reason', { ...VALID.reversal, reason: '  ' }, 'reason', /1-200/],
    ['an empty comment', { ...VALID.comment, text: '' }, 'text', /1-4000/],
    ['a huge comment', { ...VALID.comment, text: 'x'.repeat(4001) }, 'text', /1-4000/],
    ['a photo without id', { ...VALID.photo, photoId: undefined }, 'photoId', /missing/],
    ['a fieldEdit of an unknown field', { ...VALID.fieldEdit, field: 'status' }, 'field', /descriptive field/],
    ['a fieldEdit without from', { ...VALID.fieldEdit, from: undefined }, 'from', /missing/],
    ['a fieldEdit with a numeric to', { ...VALID.fieldEdit, to: 5 }, 'to', /string/],
    ['a fieldEdit with a bad base', { ...VALID.fieldEdit, base: 'x' }, 'base', /entry id/],
    ['a proposal of an unknown field', { ...VALID.proposal, field: 'price' }, 'field', /one of status/],
    ['a proposal with an empty record', { ...VALID.proposal, record: '' }, 'record', /1-200/],
    ['a status proposal with a number', { ...VALID.proposal, value: 3 }, 'value', /string/],
    ['a hold proposal with a string', { ...VALID.proposal, field: 'hold', value: 'yes' }, 'value', /boolean/],
    ['an acceptedCount proposal without bin', { ...VALID.proposal, field: 'acceptedCount', value: 3 }, 'bin', /required/],
    ['an acceptedCount proposal with a negative value', { ...VALID.proposal, field: 'acceptedCount', value: -3, bin: 'A', item: 'X' }, 'value', /integer/],
    ['a status proposal with a bin', { ...VALID.proposal, bin: 'A', item: 'X' }, 'bin', /only for acceptedCount/],
    ['a proposal with an object value', { ...VALID.proposal, value: { x: 1 } }, 'value', /string, number or boolean/],
    ['a resolution without note', { ...VALID.resolution, chosen: { value: 3 } }, 'chosen', /note/],
    ['a resolution with an extra key in chosen', { ...VALID.resolution, chosen: { value: 3, note: 'n', by: 'x' } }, 'chosen', /unknown key/],
    ['a resolution with an array chosen', { ...VALID.resolution, chosen: [1] }, 'chosen', /candidate id or/],
  ])('refuses %s', (_name, input, path, message) => {
    const error = (() => {
      try {
        parseEntry(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidEntryError);
    expect((error as InvalidEntryError).path).toBe(path);
    expect((error as InvalidEntryError).message).toMatch(/^invalid entry: /);
    expect((error as InvalidEntryError).message).toMatch(message);
  });

  it('copies an entered value, so later changes to the input do not reach the entry', () => {
    const chosen = { value: 3, note: 'n' };
    const entry = parseEntry({ ...VALID.resolution, chosen });
    chosen.value = 4;
    expect(entry).toMatchObject({ chosen: { value: 3, note: 'n' } });
  });
});

describe('tryParseEntry', () => {
  it('returns the entry or undefined', () => {
    expect(tryParseEntry(VALID.comment)).toEqual(VALID.comment);
    expect(tryParseEntry({ kind: 'comment' })).toBeUndefined();
  });
});
