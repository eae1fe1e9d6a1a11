import { describe, expect, it } from 'vitest';
import { isProposal, isResolution, parseProposal, parseResolution, ReviewEntryError } from '../../shared/review/reviewEntries';

const header = { id: 'dev1:7', user: 'ann', device: 'dev1', at: 1700000000000, seq: 7 };
const status = { ...header, kind: 'proposal', field: 'status', value: 'received', baseRevision: 3 };
const count = { ...header, kind: 'proposal', field: 'acceptedCount', bin: 'A-01', item: 'SKU-9', value: 12, baseRevision: 0 };
const hold = { ...header, kind: 'proposal', field: 'hold', value: true, baseRevision: 2 };

describe('parseProposal', () => {
  it.each([
    ['status', status],
    ['acceptedCount', count],
    ['hold', hold],
    ['with record and note', { ...status, record: 'R-1', note: 'all pallets in' }],
  ])('accepts a %s proposal', (_name, input) => {
    expect(parseProposal(input)).toEqual(input);
    expect(isProposal(input)).toBe(true);
  });

  it('keeps only known keys', () => {
    expect(parseProposal({ ...status, extra: 'x' })).not.toHaveProperty('extra');
  });

  it.each([
    ['not an object', 'hello', /proposal must be an object, got string/],
    ['null', null, /proposal must be an object, got null/],
    ['wrong kind', { ...status, kind: 'comment' }, /proposal\.kind must be "proposal"/],
    ['missing id', { ...status, id: undefined }, /proposal\.id must be a non-empty string/],
    ['empty user', { ...status, user: '' }, /proposal\.user must be/],
    ['negative time', { ...status, at: -1 }, /proposal\.at must be a non-negative finite number/],
    ['fractional seq', { ...status, seq: 1.5 }, /proposal\.seq must be a non-negative integer/],
    ['negative base', { ...status, baseRevision: -1 }, /proposal\.baseRevision must be a non-negative integer, got -1/],
    ['unknown field', { ...status, field: 'price' }, /proposal\.field must be one of status, hold, acceptedCount/],
    ['status as number', { ...status, value: 3 }, /proposal\.value must be a non-empty string/],
    ['count without bin', { ...count, bin: undefined }, /proposal\.bin must be/],
    ['count as text', { ...count, value: '12' }, /proposal\.value must be a non-negative integer/],
    ['negative count', { ...count, value: -2 }, /proposal\.value must be a non-negative integer/],
    ['hold as text', { ...hold, value: 'yes' }, /proposal\.value must be a boolean/],
    ['numeric note', { ...status, note: 5 }, /proposal\.note must be a string/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseProposal(input)).toThrow(ReviewEntryError);
    expect(() => parseProposal(input)).toThrow(message);
    expect(isProposal(input)).toBe(false);
  });
});

describe('parseResolution', () => {
  const pick = { ...header, kind: 'resolution', conflictId: 'c1', chosen: 'dev2:4' };
  const enter = { ...header, kind: 'resolution', conflictId: 'c1', chosen: { value: 11, note: 'recounted myself' } };

  it.each([
    ['a chosen candidate', pick],
    ['an entered value', enter],
    ['with record', { ...pick, record: 'R-1' }],
  ])('accepts %s', (_name, input) => {
    expect(parseResolution(input)).toEqual(input);
    expect(isResolution(input)).toBe(true);
  });

  it.each([
    ['wrong kind', { ...pick, kind: 'proposal' }, /resolution\.kind must be "resolution"/],
    ['no conflict id', { ...pick, conflictId: '' }, /resolution\.conflictId must be/],
    ['chosen missing', { ...pick, chosen: undefined }, /resolution\.chosen must be an object/],
    ['entered value without note', { ...enter, chosen: { value: 11 } }, /resolution\.chosen\.note must be a non-empty note/],
    ['blank note', { ...enter, chosen: { value: 11, note: '  ' } }, /chosen\.note/],
    ['object value', { ...enter, chosen: { value: { a: 1 }, note: 'x' } }, /resolution\.chosen\.value must be a string/],
    ['infinite value', { ...enter, chosen: { value: Infinity, note: 'x' } }, /chosen\.value/],
  ])('refuses %s', (_name, input, message) => {
    expect(() => parseResolution(input)).toThrow(message);
    expect(isResolution(input)).toBe(false);
  });
});
