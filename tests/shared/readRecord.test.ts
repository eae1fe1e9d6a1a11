import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addComment,
  addReceiveLine,
  createAuthor,
  createReceipt,
  entriesOf,
  observeRecord,
  readFields,
  readMeta,
  readRecord,
  setField,
  type RecordChange,
} from '../../shared/model';

function receipt() {
  const doc = new Y.Doc();
  const author = createAuthor({ user: 'ana', device: 'dev-a', now: () => 1000 });
  createReceipt(doc, author, { id: 'R1', site: 'north', supplier: 'ACME', po: '4711', dock: '3' });
  return { doc, author };
}

describe('readRecord', () => {
  it('is a plain snapshot: later writes do not change it', () => {
    const { doc, author } = receipt();
    const before = readRecord(doc);
    addComment(doc, author, 'later');
    setField(doc, author, 'dock', '9');
    expect(before.entries).toHaveLength(3);
    expect(before.fields.dock).toBe('3');
    expect(readRecord(doc).entries).toHaveLength(5);
  });

  it('reads an empty document as no record', () => {
    expect(readRecord(new Y.Doc())).toEqual({ meta: null, fields: {}, entries: [], rejected: 0 });
    expect(readMeta(new Y.Doc())).toBeNull();
    expect(readFields(new Y.Doc())).toEqual({});
  });

  it('skips and counts malformed log items written around the writers', () => {
    const { doc, author } = receipt();
    addComment(doc, author, 'ok');
    doc.getArray('entries').push([{ kind: 'line', qty: 1e9 }, 'garbage', 42, null]);
    const record = readRecord(doc);
    expect(record.rejected).toBe(4);
    expect(record.entries.map((e) => e.kind)).toEqual(['fieldEdit', 'fieldEdit', 'fieldEdit', 'comment']);
    expect(entriesOf(doc)).toEqual(record.entries);
  });

  it('reads null meta for an incomplete meta, and ignores non-string fields', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('kind', 'receipt');
    expect(readRecord(doc).meta).toBeNull();
    const { doc: ok } = receipt();
    ok.getMap('fields').set('notes', 7);
    ok.getMap('fields').set('zone', 'not a receipt field');
    expect(readRecord(ok).fields).toEqual({ supplier: 'ACME', po: '4711', dock: '3' });
  });

  it('returns the same entry objects on every read (entries are parsed once)', () => {
    const { doc } = receipt();
    expect(entriesOf(doc)[0]).toBe(entriesOf(doc)[0]);
  });
});

describe('observeRecord', () => {
  it('calls once per transaction with what changed, local or remote', () => {
    const { doc, author } = receipt();
    const changes: RecordChange[] = [];
    observeRecord(doc, (change) => changes.push(change));
    addReceiveLine(doc, author, { item: 'X', qty: 1 });
    setField(doc, author, 'notes', 'n');
    const remote = new Y.Doc();
    Y.applyUpdate(remote, Y.encodeStateAsUpdate(doc));
    addComment(remote, createAuthor({ user: 'ben', device: 'dev-b' }), 'hi');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(doc)));
    expect(changes).toEqual([
      { meta: false, fields: false, entries: true, local: true },
      { meta: false, fields: true, entries: true, local: true },
      { meta: false, fields: false, entries: true, local: false },
    ]);
  });

  it('ignores changes outside the record (the review map) and stops after unsubscribe', () => {
    const { doc, author } = receipt();
    let calls = 0;
    const stop = observeRecord(doc, () => calls++);
    doc.getMap('review').set('status', 'open');
    expect(calls).toBe(0);
    stop();
    addComment(doc, author, 'x');
    expect(calls).toBe(0);
  });
});
