/**
 * RecordSummaries (relay/sync/RecordSummaries.ts): what a `fetchSummarized`
 * answer carries is made from the bytes it sends, kept until the record's
 * next durable change, never kept when a change landed while it was made,
 * and bounded in number.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addReceiveLine, createReceipt, recordDocName, toRecordId } from '../../shared/model';
import { RecordSummaries } from '../../relay/sync/RecordSummaries';
import { testAuthor } from '../support/feedClient';

/** A registry stand-in that only tells of durable changes (the one thing RecordSummaries hears). */
function durableChanges() {
  const listeners = new Set<(doc: string) => void>();
  return {
    onDurableChange: (listener: (doc: string) => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    changed: (doc: string) => listeners.forEach((l) => l(doc)),
  };
}

function receipt(id: string, lines: number): { name: string; doc: Y.Doc } {
  const author = testAuthor('ann', 'ann-phone');
  const doc = new Y.Doc();
  createReceipt(doc, author, { id, site: 'main', supplier: 'ACME' });
  for (let i = 0; i < lines; i++) addReceiveLine(doc, author, { item: `SKU-${i}`, qty: 1 });
  return { name: recordDocName(toRecordId(id)), doc };
}

describe('RecordSummaries', () => {
  it('summarizes the state it is given, with that state\'s vector; a document that is not a record gets none', () => {
    const summaries = new RecordSummaries(durableChanges());
    const r = receipt('R-1', 3);
    const made = summaries.of(r.name, Y.encodeStateAsUpdate(r.doc), 0)!;
    expect(JSON.parse(made.summary)).toMatchObject({ id: 'R-1', kind: 'receipt', lines: 3, qty: 3, pending: 0 });
    expect(made.stateVector).toEqual(Y.encodeStateVector(r.doc));
    expect(summaries.of('site:main', Y.encodeStateAsUpdate(r.doc), 0)).toBeNull();
  });

  it('keeps a summary until the record changes durably, and never keeps one made from bytes read before a change', () => {
    const registry = durableChanges();
    const summaries = new RecordSummaries(registry);
    const r = receipt('R-2', 1);
    const before = Y.encodeStateAsUpdate(r.doc);
    const version = summaries.version(r.name);
    summaries.of(r.name, before, version);
    expect(summaries.size).toBe(1);

    addReceiveLine(r.doc, testAuthor('ann', 'ann-phone'), { item: 'SKU-9', qty: 5 });
    registry.changed(r.name);
    expect(summaries.size).toBe(0);
    // Bytes read before the change: summarized as they are, not kept, and no kept summary of them is handed out.
    expect(JSON.parse(summaries.of(r.name, before, version)!.summary)).toMatchObject({ lines: 1 });
    expect(summaries.size).toBe(0);
    const now = summaries.version(r.name);
    expect(JSON.parse(summaries.of(r.name, Y.encodeStateAsUpdate(r.doc), now)!.summary)).toMatchObject({ lines: 2, qty: 6 });
    expect(JSON.parse(summaries.of(r.name, before, version)!.summary)).toMatchObject({ lines: 1 });
  });

  it('keeps at most its bound, dropping the least recently asked', () => {
    const summaries = new RecordSummaries(durableChanges(), 2);
    const [a, b, c] = ['R-a', 'R-b', 'R-c'].map((id) => receipt(id, 1));
    for (const r of [a!, b!]) summaries.of(r.name, Y.encodeStateAsUpdate(r.doc), 0);
    summaries.of(a!.name, new Uint8Array([0, 0]), 0); // a hit: a is now the most recent
    summaries.of(c!.name, Y.encodeStateAsUpdate(c!.doc), 0);
    expect(summaries.size).toBe(2);
    // a is still kept: asked with bytes of nothing, the kept summary is handed out.
    expect(JSON.parse(summaries.of(a!.name, new Uint8Array([0, 0]), 0)!.summary)).toMatchObject({ kind: 'receipt' });
    // b was dropped: made again from the bytes given (an empty record), not handed out kept.
    expect(JSON.parse(summaries.of(b!.name, new Uint8Array([0, 0]), 0)!.summary)).toMatchObject({ kind: null });
  });
});
