import { describe, expect, it } from 'vitest';
import {
  LOG_RANGE,
  afterDocLog,
  assertDocName,
  decodeSeq,
  docLogRange,
  docOfUpdateKey,
  encodeSeq,
  firstSeqKey,
  seqOfUpdateKey,
  updateKey,
} from '../../relay/storage/docKeys';

/** Names that prefix each other or differ only in the characters around the separator. */
const TRICKY_NAMES = ['a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a:b', 'a0', 'aB', 'ab', 'A', 'z', '0', 'site:items'];

describe('docKeys', () => {
  describe('updateKey', () => {
    it.each([
      ['doc', 0],
      ['a/b', 1],
      ['site:items', 255],
      ['x'.repeat(200), Number.MAX_SAFE_INTEGER],
    ])('round-trips %s #%i', (doc, seq) => {
      const key = updateKey(doc, seq);
      expect(docOfUpdateKey(key)).toBe(doc);
      expect(seqOfUpdateKey(key)).toBe(seq);
      expect(key >= LOG_RANGE.gte && key < LOG_RANGE.lt).toBe(true);
    });

    it('orders keys by seq within a document', () => {
      const seqs = [0, 1, 9, 10, 15, 16, 255, 256, 65_535, 1e9, 2 ** 40];
      const keys = seqs.map((seq) => updateKey('doc', seq));
      expect([...keys].sort()).toEqual(keys);
    });

    it('orders documents by name, each log contiguous', () => {
      const keys = TRICKY_NAMES.flatMap((doc) => [updateKey(doc, 0), updateKey(doc, 2 ** 40)]);
      const sorted = [...keys].sort();
      expect(sorted.map(docOfUpdateKey)).toEqual([...TRICKY_NAMES].sort().flatMap((doc) => [doc, doc]));
    });
  });

  describe('docLogRange', () => {
    it.each(TRICKY_NAMES)('holds the updates of %s and no other document', (doc) => {
      const range = docLogRange(doc);
      const inRange = (key: string) => key >= range.gte && key < range.lt;
      for (const other of TRICKY_NAMES) {
        expect(inRange(updateKey(other, 0))).toBe(other === doc);
        expect(inRange(updateKey(other, 2 ** 40))).toBe(other === doc);
      }
      expect(afterDocLog(doc)).toBe(range.lt);
    });

    it('starts at a given seq', () => {
      const range = docLogRange('doc', 5);
      expect(updateKey('doc', 4) < range.gte).toBe(true);
      expect(updateKey('doc', 5)).toBe(range.gte);
    });
  });

  describe('firstSeqKey', () => {
    it('lies outside every update log', () => {
      const key = firstSeqKey('doc');
      expect(key >= LOG_RANGE.gte && key < LOG_RANGE.lt).toBe(false);
    });

    it.each([0, 1, 4096, Number.MAX_SAFE_INTEGER])('encodes seq %i', (seq) => {
      expect(decodeSeq(encodeSeq(seq))).toBe(seq);
    });

    it('refuses a corrupt value', () => {
      expect(() => decodeSeq(new TextEncoder().encode('zz'))).toThrow(/corrupt/);
    });
  });

  describe('assertDocName', () => {
    it.each(['', 'a\x00b', 'a\x01', 'has space', 'é', '../etc', 'x'.repeat(201)])('refuses %j', (name) => {
      expect(() => assertDocName(name)).toThrow(/invalid document name/);
    });

    it.each(TRICKY_NAMES)('accepts %s', (name) => {
      expect(() => assertDocName(name)).not.toThrow();
    });
  });
});
