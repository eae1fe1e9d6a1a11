/**
 * Recording refused work again: the plan, table-driven over plain snapshots
 * (what is made again for which role, and why the rest is not), and the
 * applier over real Y.Docs with the shared/model writers.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Role } from '../../shared/auth/roles';
import {
  addPhoto,
  addReceiveLine,
  createAuthor,
  createReceipt,
  readRecord,
  reverseEntry,
  setField,
  toDeviceId,
  toRecordId,
  toSiteId,
  type Entry,
  type RecordFieldValues,
  type RecordMeta,
} from '../../shared/model';
import { applyReRecord, planReRecord, type RecordCopy, type ReRecordWrite } from '../../client/app/lib/reRecord';
import { a, b, comment, count, edit, line, proposal, reversal } from '../shared/entryBuilders';

const ME = 'user-a';
const META: RecordMeta = {
  kind: 'receipt',
  id: toRecordId('R1'),
  site: toSiteId('main'),
  createdAt: 1,
  createdBy: ME,
  createdDevice: toDeviceId('a'),
};
const COUNT_META: RecordMeta = { ...META, kind: 'count' };

const copy = (entries: Entry[], fields: RecordFieldValues = {}, meta: RecordMeta | null = META): RecordCopy => ({ meta, fields, entries });

/** A write in a few words, for readable tables. */
function describeWrite(w: ReRecordWrite): string {
  switch (w.type) {
    case 'create':
      return `create ${w.kind} ${w.id} ${JSON.stringify(w.fields)}`;
    case 'setField':
      return `set ${w.field}=${w.value}`;
    case 'entry':
      return `${w.entry.kind} ${w.entry.id}`;
    case 'reversal':
      return `reverse ${w.reverses}${w.targetReRecorded ? ' (made again)' : ''}`;
    case 'proposal':
      return `propose ${w.entry.field}=${String(w.entry.value)} on revision ${w.baseRevision}`;
    case 'resolution':
      return `resolve ${w.entry.conflictId}`;
  }
}

const holdProposal = (seq: number) => ({ ...proposal(a(seq), 'received'), field: 'hold' as const, value: true });
const resolution = (seq: number): Entry => ({ id: `a:${seq}`, kind: 'resolution', user: ME, device: 'a', at: seq, seq, record: 'record:R1', conflictId: 'c1', chosen: 'a:9' }) as Entry;
const mine = <E extends Entry>(entry: E): E => ({ ...entry, user: ME });

interface Case {
  name: string;
  setAside: RecordCopy;
  relay: RecordCopy;
  role: Role;
  writes: string[];
  notReRecorded?: Array<[string, RegExp]>;
  unchanged?: string[];
}

const held = line(a(1), 'SKU-1', 5);
const cases: Case[] = [
  {
    name: 'an auditor records nothing again',
    setAside: copy([held, line(a(2), 'SKU-1', 7)]),
    relay: copy([held]),
    role: 'auditor',
    writes: [],
    notReRecorded: [['a:2', /^your role \(auditor\) may not write$/]],
  },
  {
    name: 'a crew records the lines the relay lacks, not the ones it holds',
    setAside: copy([held, line(a(2), 'SKU-1', 7), comment(a(3), 'box dented')]),
    relay: copy([held]),
    role: 'crew',
    writes: ['line a:2', 'comment a:3'],
  },
  {
    name: 'a refused creation is made again with the same id and header fields',
    setAside: copy([edit(a(1), 'supplier', null, 'ACME', null), line(a(2), 'SKU-1', 7)], { supplier: 'ACME' }),
    relay: copy([], {}, null),
    role: 'crew',
    writes: ['create receipt R1 {"supplier":"ACME"}', 'line a:2'],
  },
  {
    name: 'a field edited in refused work is set again; one only the relay changed is left alone',
    setAside: copy([held, edit(a(2), 'supplier', 'ACME', 'Acme Ltd', null)], { supplier: 'Acme Ltd', dock: '1' }),
    relay: copy([held], { supplier: 'ACME', dock: '2' }),
    role: 'crew',
    writes: ['set supplier=Acme Ltd'],
  },
  {
    name: 'a field edit whose value the relay already shows needs no write',
    setAside: copy([held, edit(a(2), 'dock', '1', '2', null)], { dock: '2' }),
    relay: copy([held], { dock: '2' }),
    role: 'crew',
    writes: [],
    unchanged: ['a:2'],
  },
  {
    name: 'a reversal follows its target: to the new id when made again, to the same id when the relay holds it',
    setAside: copy([held, line(a(2), 'SKU-1', 70), reversal(a(3), 'a:2'), reversal(a(4), 'a:1')]),
    relay: copy([held]),
    role: 'crew',
    writes: ['line a:2', 'reverse a:2 (made again)', 'reverse a:1'],
  },
  {
    name: "this user's entries made on another device are left to that device (it sends them itself)",
    setAside: copy([held, { ...line(b(1), 'SKU-1', 3), user: ME }, line(a(2), 'SKU-2', 1)]),
    relay: copy([held]),
    role: 'crew',
    writes: ['line a:2'],
    notReRecorded: [['b:1', /^made on another device \(b\)/]],
  },
  {
    name: "another user's entries are never made again in this user's name, nor a reversal of them",
    setAside: copy([held, line(b(1), 'SKU-1', 3), mine(reversal(a(2), 'b:1'))]),
    relay: copy([held]),
    role: 'crew',
    writes: [],
    notReRecorded: [
      ['b:1', /^made by another user \(user-b\)/],
      ['a:2', /^it reverses an entry that is not recorded again$/],
    ],
  },
  {
    name: 'proposals are made again on the current review revision, as far as the role may propose',
    setAside: copy([held, proposal(a(2), 'received'), holdProposal(3)]),
    relay: copy([held]),
    role: 'crew',
    writes: ['propose status=received on revision 4'],
    notReRecorded: [['a:3', /^your role \(crew\) may not propose a quality hold$/]],
  },
  {
    name: 'a supervisor demoted to crew loses holds and resolutions, keeps lines',
    setAside: copy([held, holdProposal(2), resolution(3), line(a(4), 'SKU-2', 1)]),
    relay: copy([held]),
    role: 'crew',
    writes: ['line a:4'],
    notReRecorded: [
      ['a:2', /may not propose a quality hold/],
      ['a:3', /^your role \(crew\) may not resolve conflicts$/],
    ],
  },
  {
    name: 'a supervisor makes holds and resolutions again',
    setAside: copy([held, holdProposal(2), resolution(3)]),
    relay: copy([held]),
    role: 'supervisor',
    writes: ['propose hold=true on revision 4', 'resolve c1'],
  },
  {
    name: 'an entry that does not belong to the kind of record is not made',
    setAside: copy([count(a(1), 'A-01', 'SKU-1', 4), line(a(2), 'SKU-1', 1)], {}, COUNT_META),
    relay: copy([], {}, COUNT_META),
    role: 'crew',
    writes: ['count a:1'],
    notReRecorded: [['a:2', /^a line does not belong on a count record$/]],
  },
];

describe('planReRecord', () => {
  it.each(cases)('$name', (c) => {
    const plan = planReRecord({ setAside: c.setAside, relay: c.relay, role: c.role, user: ME, device: 'a', reviewRevision: 4 });
    expect(plan.writes.map(describeWrite)).toEqual(c.writes);
    const skipped = c.notReRecorded ?? [];
    expect(plan.notReRecorded.map((n) => n.id)).toEqual(skipped.map(([id]) => id));
    plan.notReRecorded.forEach((n, i) => expect(n.why).toMatch(skipped[i]?.[1] as RegExp));
    expect(plan.unchanged).toEqual(c.unchanged ?? []);
    const relayIds = new Set(c.relay.entries.map((e) => e.id));
    expect(plan.refused.map((e) => e.id)).toEqual(c.setAside.entries.filter((e) => !relayIds.has(e.id)).map((e) => e.id));
    // Every refused entry is accounted for exactly once.
    const accounted = [...plan.reRecorded, ...plan.unchanged, ...plan.notReRecorded.map((n) => n.id)].sort();
    expect(accounted).toEqual(plan.refused.map((e) => e.id).sort());
  });

  it('says whether the creation was refused', () => {
    const plan = (relayMeta: RecordMeta | null) => planReRecord({ setAside: copy([]), relay: copy([], {}, relayMeta), role: 'crew', user: ME, device: 'a', reviewRevision: 0 });
    expect(plan(null).creationRefused).toBe(true);
    expect(plan(META).creationRefused).toBe(false);
  });
});

describe('applyReRecord', () => {
  const other = createAuthor({ user: 'user-s', device: 'sup' });

  it('makes the refused work again as the current author, with fresh ids, on the relay copy', () => {
    const relayDoc = new Y.Doc();
    createReceipt(relayDoc, other, { id: 'R1', site: 'main', supplier: 'ACME' });
    addReceiveLine(relayDoc, other, { item: 'SKU-1', qty: 5 });
    const local = new Y.Doc();
    Y.applyUpdate(local, Y.encodeStateAsUpdate(relayDoc));
    const before = createAuthor({ user: ME, device: 'a' });
    const wrong = addReceiveLine(local, before, { item: 'SKU-1', qty: 70, lot: 'L7' });
    reverseEntry(local, before, wrong.id, 'typo');
    addReceiveLine(local, before, { item: 'SKU-1', qty: 7, lot: 'L7' });
    setField(local, before, 'dock', '3');

    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(relayDoc));
    const plan = planReRecord({ setAside: readRecord(local), relay: readRecord(fresh), role: 'crew', user: ME, device: 'a', reviewRevision: 0 });
    const after = createAuthor({ user: ME, device: 'a', firstSeq: 100 });
    const result = applyReRecord(fresh, after, plan);

    expect(result.failed).toEqual([]);
    const record = readRecord(fresh);
    const lines = record.entries.filter((e) => e.kind === 'line');
    expect(lines.map((l) => (l.kind === 'line' ? [l.qty, l.lot ?? null, l.user] : null))).toEqual([
      [5, null, 'user-s'],
      [70, 'L7', ME],
      [7, 'L7', ME],
    ]);
    const remadeWrong = result.made.get(wrong.id);
    expect(remadeWrong).toMatch(/^a:1\d\d$/);
    expect(record.entries.find((e) => e.kind === 'reversal')).toMatchObject({ reverses: remadeWrong, reason: 'typo', user: ME });
    expect(record.fields).toEqual({ supplier: 'ACME', dock: '3' });
    expect(record.entries.filter((e) => e.kind === 'fieldEdit' && e.field === 'dock')).toEqual([expect.objectContaining({ from: null, to: '3', user: ME })]);
    // No entry of the refused copy reaches the relay copy under its old id.
    const refusedIds = new Set(plan.refused.map((e) => e.id));
    expect(record.entries.filter((e) => refusedIds.has(e.id))).toEqual([]);
  });

  it('makes a refused photo again with its hashes, size and caption, pointing at its line made again', () => {
    const relayDoc = new Y.Doc();
    createReceipt(relayDoc, other, { id: 'R1', site: 'main' });
    const local = new Y.Doc();
    Y.applyUpdate(local, Y.encodeStateAsUpdate(relayDoc));
    const before = createAuthor({ user: ME, device: 'a' });
    const dented = addReceiveLine(local, before, { item: 'SKU-1', qty: 4 });
    const photo = { photoId: 'a'.repeat(64), thumbId: 'b'.repeat(64), bytes: 401_000, width: 2048, height: 1536, caption: 'dented' };
    addPhoto(local, before, { ...photo, line: dented.id });

    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(relayDoc));
    const plan = planReRecord({ setAside: readRecord(local), relay: readRecord(fresh), role: 'crew', user: ME, device: 'a', reviewRevision: 0 });
    const result = applyReRecord(fresh, createAuthor({ user: ME, device: 'a', firstSeq: 100 }), plan);

    expect(result.failed).toEqual([]);
    const remadeLine = result.made.get(dented.id);
    expect(remadeLine).toMatch(/^a:1\d\d$/);
    expect(readRecord(fresh).entries.find((e) => e.kind === 'photo')).toMatchObject({ ...photo, line: remadeLine, user: ME });
  });

  it('creates a record whose creation was refused, with the same id, kind and header', () => {
    const local = new Y.Doc();
    const before = createAuthor({ user: ME, device: 'a' });
    createReceipt(local, before, { id: 'R9', site: 'main', supplier: 'Nordic Steel', po: '4711' });
    addReceiveLine(local, before, { item: 'SKU-1', qty: 12 });
    const fresh = new Y.Doc();
    const plan = planReRecord({ setAside: readRecord(local), relay: readRecord(fresh), role: 'crew', user: ME, device: 'a', reviewRevision: 0 });
    applyReRecord(fresh, createAuthor({ user: ME, device: 'a', firstSeq: 50 }), plan);
    const record = readRecord(fresh);
    expect(record.meta).toMatchObject({ kind: 'receipt', id: 'R9', site: 'main', createdBy: ME });
    expect(record.fields).toEqual({ supplier: 'Nordic Steel', po: '4711' });
    expect(record.entries.filter((e) => e.kind === 'line').map((e) => (e.kind === 'line' ? e.qty : 0))).toEqual([12]);
  });

  it('reports a write that cannot be made and makes the rest', () => {
    const fresh = new Y.Doc();
    createReceipt(fresh, other, { id: 'R1', site: 'main' });
    const bad = { ...line(a(2), 'SKU-1', 1), qty: -1 } as Entry;
    const plan = planReRecord({ setAside: copy([bad, line(a(3), 'SKU-2', 2)]), relay: readRecord(fresh), role: 'crew', user: ME, device: 'a', reviewRevision: 0 });
    const result = applyReRecord(fresh, createAuthor({ user: ME, device: 'a', firstSeq: 10 }), plan);
    expect(result.failed).toEqual([{ id: 'a:2', why: expect.stringMatching(/^could not be recorded again: /) }]);
    expect(readRecord(fresh).entries.filter((e) => e.kind === 'line')).toHaveLength(1);
  });
});
