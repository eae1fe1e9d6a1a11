/**
 * A held record's summary value (client/app/lib/summaryValue.ts): the summary
 * and its state's vector in one value, and values written before vectors
 * joined it still read.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readSummaryValue, readSummaryVector, writeSummaryValue } from '../../client/app/lib/summaryValue';
import { aSummary } from '../support/summaries';

const summary = aSummary();

describe('summary values', () => {
  it.each([
    ['an empty state vector', Y.encodeStateVector(new Y.Doc())],
    ['a vector of two clients', Uint8Array.from([2, 200, 1, 7, 9, 3])],
  ])('read back what was written, with %s', (_what, vector) => {
    expect(readSummaryValue(writeSummaryValue(summary, vector))).toEqual({ summary, vector });
    expect(readSummaryVector(writeSummaryValue(summary, vector))).toEqual(vector);
  });

  it('reads a value written before vectors joined it (the JSON alone) with no vector', () => {
    expect(readSummaryValue(new TextEncoder().encode(JSON.stringify(summary)))).toEqual({ summary, vector: null });
    expect(readSummaryVector(new TextEncoder().encode(JSON.stringify(summary)))).toBeNull();
  });

  it.each([
    ['bytes that are no summary', Uint8Array.from([7, 7, 7])],
    ['a vector longer than the value', Uint8Array.from([1, 50, 0])],
    ['a summary cut short', writeSummaryValue(summary, Uint8Array.from([0])).subarray(0, 20)],
  ])('throws on %s', (_what, value) => {
    expect(() => readSummaryValue(value)).toThrow();
  });

  it('reads no vector out of a value whose vector is cut short', () => {
    expect(readSummaryVector(Uint8Array.from([1, 50, 0]))).toBeNull();
  });
});
