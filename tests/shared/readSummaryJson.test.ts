/**
 * readSummaryJson: a summary someone else made (the relay's) is taken only
 * when it is of the record asked for and every field the list reads has the
 * right type; otherwise the device summarizes the record itself.
 */
import { describe, expect, it } from 'vitest';
import { readSummaryJson } from '../../shared/summary/recordSummary';
import { aSummary } from '../support/summaries';

const good = aSummary({ statusText: 'Open', goods: [{ item: 'SKU-1', lot: 'L1' }] });
const withField = (patch: Record<string, unknown>): string => JSON.stringify({ ...good, ...patch });

describe('readSummaryJson', () => {
  it('takes a well-formed summary of the record asked for', () => {
    expect(readSummaryJson(JSON.stringify(good), 'R-1')).toEqual(good);
    const { statusText: _s, goods: _g, ...older } = good;
    expect(readSummaryJson(JSON.stringify(older), 'R-1')).toEqual(older);
    expect(readSummaryJson(withField({ kind: null, title: 'R-1 (loading)' }), 'R-1')).toMatchObject({ kind: null });
  });

  it.each([
    ['not JSON', '{"id":'],
    ['not an object', '"R-1"'],
    ['null', 'null'],
    ['another record', JSON.stringify(good)],
    ['an unknown kind', withField({ kind: 'invoice' })],
    ['a title that is not text', withField({ title: 7 })],
    ['a hold that is not a flag', withField({ hold: 'no' })],
    ['a count that is not a number', withField({ lines: '3' })],
    ['a quantity that is not finite', withField({ qty: null })],
    ['proposals that are not a list', withField({ proposals: {} })],
    ['goods without an item', withField({ goods: [{ lot: 'L1' }] })],
    ['a status text that is not text', withField({ statusText: 1 })],
  ])('refuses %s', (what, json) => {
    expect(readSummaryJson(json, what === 'another record' ? 'R-2' : 'R-1')).toBeNull();
  });
});
