/**
 * The device record store and record summaries: summaries as a table of
 * records and what the list shows of them; the store, in real IndexedDB and
 * in memory, holding states and summaries, answering state vectors for a
 * resumed fetch, and reading back after the database is reopened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCount,
  addReceiveLine,
  createAuthor,
  createCountSheet,
  createReceipt,
  proposeChange,
  readRecord,
  reverseEntry,
} from '../../shared/model';
import { applyReviewEvent, emptyReviewState, type ReviewState } from '../../shared/review';
import {
  DeviceRecordStore,
  IndexeddbByteStore,
  MemoryByteStore,
  type ByteStore,
} from '../../client/app/lib/DeviceRecordStore';
import { summarizeState } from '../../client/app/lib/HeldRecords';
import { heldRecordsDbName, startHeldPreload, takeHeldPreload } from '../../client/app/lib/heldStoreLayout';
import { recordSummary, type RecordSummary } from '../../shared/summary/recordSummary';

const ana = () => createAuthor({ user: 'ana', device: 'dock-1', now: () => 1000 });
const ben = () => createAuthor({ user: 'ben', device: 'dock-2', now: () => 4000 });

interface Case {
  what: string;
  build: () => { doc: Y.Doc; review?: ReviewState | null; pending?: number | null };
  expected: Partial<RecordSummary>;
}

const cases: Case[] = [
  {
    what: 'a receipt: live lines and their quantity, a reversed line left out, newest entry time',
    build: () => {
      const doc = new Y.Doc();
      createReceipt(doc, ana(), { id: 'R-1', site: 'main', supplier: 'ACME', po: '77' });
      addReceiveLine(doc, ana(), { item: 'SKU-1', qty: 50 });
      const wrong = addReceiveLine(doc, ben(), { item: 'SKU-2', qty: 7 });
      addReceiveLine(doc, ben(), { item: 'SKU-2', qty: 5 });
      reverseEntry(doc, ben(), wrong.id, 'miscounted');
      return { doc };
    },
    expected: { kind: 'receipt', title: 'ACME, PO 77', status: 'open', statusText: 'Open', lines: 2, qty: 55, lastChangeAt: 4000, createdAt: 1000, createdBy: 'ana', pending: 0 },
  },
  {
    what: 'a count sheet: counted pairs, agreed quantities only',
    build: () => {
      const doc = new Y.Doc();
      createCountSheet(doc, ana(), { id: 'C-1', site: 'main', zone: 'A' });
      addCount(doc, ana(), { bin: 'A-1', item: 'SKU-1', qty: 10 });
      addCount(doc, ana(), { bin: 'A-2', item: 'SKU-1', qty: 3 });
      addCount(doc, ben(), { bin: 'A-2', item: 'SKU-1', qty: 4 });
      return { doc, pending: 2 };
    },
    expected: { kind: 'count', status: 'open', lines: 2, qty: 10, pending: 2 },
  },
  {
    what: 'the review map: status, hold, an open conflict, and each proposal with its outcome',
    build: () => {
      const doc = new Y.Doc();
      createReceipt(doc, ana(), { id: 'R-2', site: 'main' });
      const a = proposeChange(doc, ana(), { field: 'status', value: 'received', baseRevision: 0 });
      const b = proposeChange(doc, ben(), { field: 'status', value: 'rejected', baseRevision: 0 });
      const roles = { ana: 'crew', ben: 'crew' } as const;
      let review = emptyReviewState('record:R-2', 'receipt');
      review = applyReviewEvent(review, { type: 'proposal', entry: a as never, now: 5000 }, roles);
      review = applyReviewEvent(review, { type: 'proposal', entry: b as never, now: 5001 }, roles);
      return { doc, review: { ...review, hold: true } };
    },
    // The relay applied ana's proposal first, but ben's disagrees: the list must read undecided, not "Received".
    expected: { status: 'received', statusText: 'Undecided: received or rejected', hold: true, openConflicts: 1, lines: 0, qty: 0 },
  },
  {
    what: "a record whose creation has not arrived: no kind, titled as loading",
    build: () => ({ doc: new Y.Doc() }),
    expected: { kind: null, title: 'R-9 (loading)', createdAt: 0, lastChangeAt: 0, lines: 0 },
  },
];

describe('recordSummary', () => {
  it.each(cases)('$what', ({ build, expected }) => {
    const { doc, review = null, pending = null } = build();
    const id = readRecord(doc).meta?.id ?? 'R-9';
    const summary = recordSummary({ id, record: readRecord(doc), review, sync: pending === null ? null : { pending } });
    expect(summary).toMatchObject(expected);
  });

  it('lists every proposal with its outcome, for "My proposals"', () => {
    const { doc, review } = cases[2]!.build();
    const summary = recordSummary({ id: 'R-2', record: readRecord(doc), review: review ?? null, sync: null });
    expect(summary.proposals.map((p) => [p.proposal.user, p.outcome?.result ?? null, p.conflict?.status ?? null])).toEqual([
      ['ana', 'applied', 'open'],
      ['ben', 'conflict', 'open'],
    ]);
  });

  it('is plain data: the same after a JSON round trip (how the store keeps it)', () => {
    const { doc } = cases[0]!.build();
    const summary = summarizeState('R-1', Y.encodeStateAsUpdate(doc));
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });
});

function receiptState(id: string, lines: number): Uint8Array {
  const doc = new Y.Doc();
  createReceipt(doc, ana(), { id, site: 'main', supplier: `Supplier ${id}` });
  for (let i = 0; i < lines; i++) addReceiveLine(doc, ana(), { item: `SKU-${i}`, qty: i + 1 });
  return Y.encodeStateAsUpdate(doc);
}

const opened: ByteStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe.each([
  ['IndexedDB', (name: string) => new IndexeddbByteStore(name)],
  ['memory', (() => {
    const disks = new Map<string, MemoryByteStore>();
    return (name: string) => disks.get(name) ?? disks.set(name, new MemoryByteStore()).get(name)!;
  })()],
] as const)('DeviceRecordStore on %s', (_kind, bytesFor) => {
  const open = (name: string): DeviceRecordStore => {
    const bytes = bytesFor(name);
    opened.push(bytes);
    return new DeviceRecordStore(bytes);
  };
  let n = 0;
  const freshName = () => `tally-held-test-${Date.now()}-${n++}`;

  it('keeps 300 records in one write and lists their summaries after a reopen, without reading states', async () => {
    const name = freshName();
    const store = open(name);
    const records = Array.from({ length: 300 }, (_, i) => {
      const state = receiptState(`R-${i}`, 3);
      return { state, summary: summarizeState(`R-${i}`, state) };
    });
    await store.putMany(records, { durable: true });
    store.close();

    const again = open(name);
    const summaries = await again.summaries();
    expect(summaries).toHaveLength(300);
    expect(summaries.find((s) => s.id === 'R-42')).toMatchObject({ title: 'Supplier R-42', lines: 3, qty: 6 });
    const usage = await again.usage();
    expect(usage.records).toBe(300);
    expect(usage.bytes).toBeGreaterThan(records.reduce((n, r) => n + r.state.byteLength, 0));
  });

  it('answers the state vector of what it holds, so a resumed fetch asks only for what is missing', async () => {
    const store = open(freshName());
    const state = receiptState('R-1', 2);
    await store.putMany([{ state, summary: summarizeState('R-1', state) }], { durable: true });
    const vectors = await store.stateVectors(['R-1', 'R-2']);
    expect([...vectors.keys()]).toEqual(['R-1']);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    expect(vectors.get('R-1')).toEqual(Y.encodeStateVector(doc));
    // The relay's answer to that vector is empty: nothing to fetch again.
    expect(Y.encodeStateAsUpdate(doc, vectors.get('R-1'))).toEqual(new Uint8Array([0, 0]));
  });

  it.each([
    ['a few records, read key by key', 5],
    ['a shift start of many records, read as one prefix', 150],
  ])('answers the state vectors of %s, leaving out those it does not hold', async (_name, held) => {
    const store = open(freshName());
    const records = Array.from({ length: held }, (_, i) => {
      const state = receiptState(`R-${i}`, 1);
      return { state, summary: summarizeState(`R-${i}`, state) };
    });
    await store.putMany(records, { durable: true });
    const asked = [...records.map((r) => r.summary.id), 'R-missing'];
    const vectors = await store.stateVectors(asked);
    expect(vectors.size).toBe(held);
    expect(vectors.has('R-missing')).toBe(false);
    for (const r of records) expect(vectors.get(r.summary.id)).toEqual(Y.encodeStateVectorFromUpdate(r.state));
  });

  it('answers the vector of a state stored by an older app, which kept no vector beside it', async () => {
    const name = freshName();
    const bytes = bytesFor(name);
    opened.push(bytes);
    const state = receiptState('R-7', 2);
    await bytes.put([{ key: 'state:R-7', value: state }, { key: 'summary:R-7', value: new TextEncoder().encode(JSON.stringify(summarizeState('R-7', state))) }], { durable: true });
    const vectors = await new DeviceRecordStore(bytes).stateVectors(['R-7']);
    expect(vectors.get('R-7')).toEqual(Y.encodeStateVectorFromUpdate(state));
  });

  it('answers the vector an older app kept under its own key, beside a summary without one', async () => {
    const name = freshName();
    const bytes = bytesFor(name);
    opened.push(bytes);
    const state = receiptState('R-8', 2);
    const vector = Y.encodeStateVectorFromUpdate(state);
    // No state: the vector can only come from its key.
    await bytes.put([{ key: 'vector:R-8', value: vector }, { key: 'summary:R-8', value: new TextEncoder().encode(JSON.stringify(summarizeState('R-8', state))) }], { durable: true });
    const store = new DeviceRecordStore(bytes);
    expect((await store.stateVectors(['R-8'])).get('R-8')).toEqual(vector);
    expect((await store.summaries()).map((s) => s.id)).toEqual(['R-8']);
  });

  it('replaces a record with its newer state and summary', async () => {
    const store = open(freshName());
    const older = receiptState('R-1', 1);
    await store.putMany([{ state: older, summary: summarizeState('R-1', older) }], { durable: true });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, older);
    addReceiveLine(doc, ben(), { item: 'SKU-9', qty: 9 });
    const newer = Y.mergeUpdates([older, Y.encodeStateAsUpdate(doc, Y.encodeStateVectorFromUpdate(older))]);
    await store.putMany([{ state: newer, summary: summarizeState('R-1', newer) }], { durable: true });
    expect((await store.summaries()).map((s) => [s.id, s.lines, s.qty])).toEqual([['R-1', 2, 10]]);
    const back = new Y.Doc();
    Y.applyUpdate(back, (await store.state('R-1'))!);
    expect(readRecord(back).entries.filter((e) => e.kind === 'line')).toHaveLength(2);
  });
});

describe('the start-up preload of the record store', () => {
  it('hands the summaries it read to the store that opens the database, once; later reads see later writes', async () => {
    const site = `preload-${Date.now()}`;
    const first = new DeviceRecordStore(new IndexeddbByteStore(heldRecordsDbName(site)));
    const r1 = receiptState('R-1', 1);
    await first.putMany([{ state: r1, summary: summarizeState('R-1', r1) }], { durable: true });
    first.close();

    startHeldPreload(site);
    const bytes = new IndexeddbByteStore(heldRecordsDbName(site));
    opened.push(bytes);
    expect(takeHeldPreload(heldRecordsDbName(site))).toBeNull();
    const store = new DeviceRecordStore(bytes);
    expect((await store.summaries()).map((s) => s.id)).toEqual(['R-1']);

    const r2 = receiptState('R-2', 2);
    await store.putMany([{ state: r2, summary: summarizeState('R-2', r2) }], { durable: false });
    expect((await store.summaries()).map((s) => s.id)).toEqual(['R-1', 'R-2']);
  });

  it('is not taken by the store of another site', () => {
    startHeldPreload('site-a');
    expect(takeHeldPreload(heldRecordsDbName('site-b'))).toBeNull();
    expect(takeHeldPreload(heldRecordsDbName('site-a'))).not.toBeNull();
  });
});
