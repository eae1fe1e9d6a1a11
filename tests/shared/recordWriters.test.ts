import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  InvalidEntryError,
  addComment,
  addCount,
  addPhoto,
  addReceiveLine,
  createAuthor,
  createCountSheet,
  createReceipt,
  currentCounts,
  entriesOf,
  fieldConflicts,
  proposeChange,
  readRecord,
  receivedByItem,
  requestRecount,
  resolveConflict,
  reverseEntry,
  setField,
  type EntryId,
} from '../../shared/model';

function clock(start = 1_000) {
  let t = start;
  return () => t++;
}

const ana = (now = clock()) => createAuthor({ user: 'ana', device: 'dev-a', now });
const ben = (now = clock()) => createAuthor({ user: 'ben', device: 'dev-b', now });

function receipt(author = ana()) {
  const doc = new Y.Doc();
  createReceipt(doc, author, { id: 'R1', site: 'north', supplier: 'ACME', po: '4711', dock: '3' });
  return { doc, author };
}

function countSheet(author = ana()) {
  const doc = new Y.Doc();
  createCountSheet(doc, author, { id: 'C1', site: 'north', zone: 'cold room' });
  return { doc, author };
}

/** Sends each doc's full state to the other (both directions). */
function exchange(x: Y.Doc, y: Y.Doc) {
  const toY = Y.encodeStateAsUpdate(x, Y.encodeStateVector(y));
  const toX = Y.encodeStateAsUpdate(y, Y.encodeStateVector(x));
  Y.applyUpdate(y, toY);
  Y.applyUpdate(x, toX);
}

describe('createReceipt / createCountSheet', () => {
  it('writes meta and fields, auditing each first value', () => {
    const { doc } = receipt();
    const record = readRecord(doc);
    expect(record.meta).toEqual({ kind: 'receipt', id: 'R1', site: 'north', createdAt: 1000, createdBy: 'ana', createdDevice: 'dev-a' });
    expect(record.fields).toEqual({ supplier: 'ACME', po: '4711', dock: '3' });
    expect(record.entries.map((e) => [e.kind, e.id, 'field' in e ? e.field : ''])).toEqual([
      ['fieldEdit', 'dev-a:1', 'supplier'],
      ['fieldEdit', 'dev-a:2', 'po'],
      ['fieldEdit', 'dev-a:3', 'dock'],
    ]);
    expect(record.rejected).toBe(0);
  });

  it('creates a count sheet with its own fields', () => {
    const { doc } = countSheet();
    expect(readRecord(doc)).toMatchObject({ meta: { kind: 'count', id: 'C1' }, fields: { zone: 'cold room' } });
  });

  it('refuses a document that already holds a record', () => {
    const { doc, author } = receipt();
    expect(() => createCountSheet(doc, author, { id: 'C9', site: 'north' })).toThrow(/already holds a record \(R1\)/);
  });

  it.each([
    ['a bad record id', { id: 'a/b', site: 'north' }, /invalid record id/],
    ['a bad site', { id: 'R1', site: 'no site' }, /invalid site id/],
    ['a field value with a control character', { id: 'R1', site: 'north', notes: 'a\u0000' }, /invalid entry: to/],
  ])('writes nothing for %s', (_name, init, message) => {
    const doc = new Y.Doc();
    expect(() => createReceipt(doc, ana(), init)).toThrow(message);
    expect(readRecord(doc)).toEqual({ meta: null, fields: {}, entries: [], rejected: 0 });
  });
});

describe('addReceiveLine', () => {
  it('appends a line with id, user, device, time and sequence', () => {
    const { doc } = receipt(ben());
    const entry = addReceiveLine(doc, ana(), { item: ' SKU-1 ', qty: 50, lot: 'L7' });
    expect(entry).toEqual({ id: 'dev-a:1', kind: 'line', user: 'ana', device: 'dev-a', at: 1000, seq: 1, item: 'SKU-1', qty: 50, lot: 'L7' });
    expect(entriesOf(doc).at(-1)).toEqual(entry);
  });

  it('leaves out an empty lot', () => {
    const { doc, author } = receipt();
    expect('lot' in addReceiveLine(doc, author, { item: 'X', qty: 1, lot: '' })).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses qty %s and writes nothing', (qty) => {
    const { doc, author } = receipt();
    const before = entriesOf(doc).length;
    expect(() => addReceiveLine(doc, author, { item: 'X', qty })).toThrow(InvalidEntryError);
    expect(entriesOf(doc).length).toBe(before);
  });

  it('refuses a count sheet and an empty document', () => {
    expect(() => addReceiveLine(countSheet().doc, ana(), { item: 'X', qty: 1 })).toThrow(/not a receipt record/);
    expect(() => addReceiveLine(new Y.Doc(), ana(), { item: 'X', qty: 1 })).toThrow(/record not created/);
  });

  it('skips ids the record already holds when a device counter was reset', () => {
    const { doc } = receipt();
    const reset = ana(); // same device, counter back at 1
    expect(addReceiveLine(doc, reset, { item: 'X', qty: 1 }).id).toBe('dev-a:4');
    expect(receivedByItem(entriesOf(doc)).totals.get('X')).toBe(1);
  });

  it('skips an id that only a malformed entry holds: no entry may share it, valid or not', () => {
    const { doc } = receipt();
    doc.getArray('entries').push([{ id: 'dev-a:4', kind: 'not-a-kind' }]);
    expect(addReceiveLine(doc, ana(), { item: 'X', qty: 1 }).id).toBe('dev-a:5');
  });

  it('never reuses a sequence number, even after a refused write', () => {
    const { doc, author } = receipt();
    expect(() => addReceiveLine(doc, author, { item: 'X', qty: 0 })).toThrow();
    const ids = [addReceiveLine(doc, author, { item: 'X', qty: 1 }).id, addReceiveLine(doc, author, { item: 'X', qty: 1 }).id];
    expect(new Set([...entriesOf(doc).map((e) => e.id)]).size).toBe(entriesOf(doc).length);
    expect(ids).toEqual(['dev-a:5', 'dev-a:6']);
  });
});

describe('two devices receiving the same item offline', () => {
  it('add up to 80 on both, never 50, 30 or 160', () => {
    const { doc: docA, author } = receipt(ana());
    const docB = new Y.Doc();
    Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA));
    addReceiveLine(docA, author, { item: 'SKU-1', qty: 50 });
    addReceiveLine(docB, ben(), { item: 'SKU-1', qty: 30 });
    exchange(docA, docB);
    exchange(docA, docB); // re-sending is harmless
    for (const doc of [docA, docB]) expect(receivedByItem(entriesOf(doc)).totals.get('SKU-1')).toBe(80);
    expect(entriesOf(docA)).toEqual(entriesOf(docB));
  });

  it('reversing the same line on both devices subtracts it once', () => {
    const { doc: docA, author: authorA } = receipt(ana());
    const line = addReceiveLine(docA, authorA, { item: 'X', qty: 50 });
    addReceiveLine(docA, authorA, { item: 'X', qty: 5 });
    const docB = new Y.Doc();
    Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA));
    reverseEntry(docA, authorA, line.id, 'wrong pallet');
    reverseEntry(docB, ben(), line.id, 'wrong pallet');
    exchange(docA, docB);
    expect(receivedByItem(entriesOf(docA)).totals.get('X')).toBe(5);
    expect(receivedByItem(entriesOf(docB)).totals.get('X')).toBe(5);
  });
});

describe('reverseEntry', () => {
  it('appends a reversal and keeps the original', () => {
    const { doc, author } = receipt();
    const line = addReceiveLine(doc, author, { item: 'X', qty: 50 });
    const rev = reverseEntry(doc, author, line.id, 'typo');
    expect(rev).toMatchObject({ kind: 'reversal', reverses: line.id, reason: 'typo' });
    expect(entriesOf(doc)).toContainEqual(line);
    expect(receivedByItem(entriesOf(doc)).totals.size).toBe(0);
  });

  it.each([
    ['an unknown entry', 'dev-z:1', /no such entry/],
    ['a field edit', 'dev-a:1', /a fieldEdit entry/],
  ])('refuses %s', (_name, target, message) => {
    const { doc, author } = receipt();
    expect(() => reverseEntry(doc, author, target as EntryId, 'x')).toThrow(message);
  });
});

describe('count sheet writers', () => {
  it('two counters who disagree flag the bin; a recount request blinds it until a newer count', () => {
    const now = clock(); // one shared clock: this test is about order, not skew
    const { doc, author: a } = countSheet(ana(now));
    const b = ben(now);
    addCount(doc, a, { bin: 'B1', item: 'X', qty: 12 });
    addCount(doc, b, { bin: 'B1', item: 'X', qty: 10 });
    expect(currentCounts(entriesOf(doc))[0]).toMatchObject({ discrepancy: true, qty: null });
    requestRecount(doc, b, { bin: 'B1', item: 'X', reason: 'counts differ' });
    expect(currentCounts(entriesOf(doc))[0]).toMatchObject({ recountRequested: true, candidates: [] });
    addCount(doc, a, { bin: 'B1', item: 'X', qty: 11 });
    expect(currentCounts(entriesOf(doc))[0]).toMatchObject({ recountRequested: false, discrepancy: false, qty: 11 });
  });

  it('a recount from a device whose clock lags still ends the recount (it answers the request)', () => {
    const { doc } = countSheet();
    const supervisor = createAuthor({ user: 'sue', device: 'dev-s', now: () => 10_000 });
    const lagging = createAuthor({ user: 'ana', device: 'dev-a', now: () => 5_000 });
    addCount(doc, lagging, { bin: 'B1', item: 'X', qty: 12 });
    const request = requestRecount(doc, supervisor, { bin: 'B1', item: 'X', reason: 'check' });
    expect(addCount(doc, lagging, { bin: 'B1', item: 'X', qty: 11 }).answers).toBe(request.id);
    expect(currentCounts(entriesOf(doc))[0]).toMatchObject({ recountRequested: false, qty: 11 });
  });

  it('refuses counts on a receipt', () => {
    expect(() => addCount(receipt().doc, ana(), { bin: 'B', item: 'X', qty: 1 })).toThrow(/not a count record/);
  });
});

describe('comments, photos, proposals, resolutions', () => {
  it('appends each to any record', () => {
    const { doc, author } = countSheet();
    addComment(doc, author, 'cold room door broken');
    addPhoto(doc, author, { photoId: 'ph-1', caption: '' });
    proposeChange(doc, author, { field: 'status', value: 'submitted', baseRevision: 0, note: 'all bins done' });
    proposeChange(doc, author, { field: 'acceptedCount', value: 11, baseRevision: 1, bin: 'B1', item: 'X' });
    resolveConflict(doc, author, { conflictId: 'c1', chosen: { value: 11, note: 'recounted' } });
    expect(entriesOf(doc).slice(-5)).toMatchObject([
      { kind: 'comment', text: 'cold room door broken' },
      { kind: 'photo', photoId: 'ph-1' },
      { kind: 'proposal', record: 'record:C1', field: 'status', value: 'submitted', note: 'all bins done' },
      { kind: 'proposal', record: 'record:C1', field: 'acceptedCount', bin: 'B1', item: 'X' },
      { kind: 'resolution', record: 'record:C1', conflictId: 'c1' },
    ]);
  });
});

describe('addPhoto', () => {
  it('records the hashes, size, pixels, caption and what the photo shows', () => {
    const { doc, author } = countSheet();
    const photo = { photoId: 'a'.repeat(64), thumbId: 'b'.repeat(64), bytes: 401_234, width: 2048, height: 1536 };
    addPhoto(doc, author, { ...photo, caption: 'wet cartons', bin: ' B1 ' });
    addPhoto(doc, author, { ...photo, caption: '' });
    expect(entriesOf(doc).slice(-2)).toMatchObject([
      { kind: 'photo', ...photo, caption: 'wet cartons', bin: 'B1' },
      { kind: 'photo', ...photo },
    ]);
    expect(entriesOf(doc).at(-1)).not.toHaveProperty('caption');
    expect(entriesOf(doc).at(-1)).not.toHaveProperty('bin');
  });

  it('throws and writes nothing for a claim no photo can make', () => {
    const { doc, author } = receipt();
    const before = entriesOf(doc).length;
    expect(() => addPhoto(doc, author, { photoId: 'a'.repeat(64), bytes: -5 })).toThrow(/bytes/);
    expect(entriesOf(doc)).toHaveLength(before);
  });
});

describe('setField', () => {
  it('sets the value and audits from -> to with its base, in one transaction', () => {
    const { doc, author } = receipt();
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const edit = setField(doc, author, 'supplier', 'ACME Corp');
    expect(transactions).toBe(1);
    expect(readRecord(doc).fields.supplier).toBe('ACME Corp');
    expect(edit).toMatchObject({ kind: 'fieldEdit', field: 'supplier', from: 'ACME', to: 'ACME Corp', base: 'dev-a:1' });
  });

  it('records nothing when the value does not change', () => {
    const { doc, author } = receipt();
    expect(setField(doc, author, 'dock', '3')).toBeNull();
    expect(entriesOf(doc)).toHaveLength(3);
  });

  it('refuses a field of another kind of record', () => {
    const { doc, author } = receipt();
    expect(() => setField(doc, author, 'zone', 'Z')).toThrow(/a receipt record has no field "zone"/);
  });

  it('concurrent edits from the same value are a conflict with both sides kept; the map converges', () => {
    const { doc: docA, author } = receipt(ana());
    const docB = new Y.Doc();
    Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA));
    setField(docA, author, 'dock', '4');
    setField(docB, ben(), 'dock', '5');
    exchange(docA, docB);
    const fieldsA = readRecord(docA).fields;
    expect(fieldsA).toEqual(readRecord(docB).fields);
    expect(['4', '5']).toContain(fieldsA.dock);
    const [conflict] = fieldConflicts(entriesOf(docA));
    expect(conflict).toMatchObject({ field: 'dock', from: '3', base: 'dev-a:3' });
    expect(conflict?.candidates.map((e) => e.to).sort()).toEqual(['4', '5']);
    // The next edit builds on the value that won, so it is not another conflict.
    setField(docA, author, 'dock', '6');
    exchange(docA, docB);
    expect(fieldConflicts(entriesOf(docB))).toHaveLength(1);
  });
});
