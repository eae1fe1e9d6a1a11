/**
 * The app's framework-free rules, table-driven: the device's entry sequence,
 * sign-in links, which status changes a role may propose, the record list,
 * the merged history and what became of my proposals.
 */
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { Role } from '../../shared/auth/roles';
import {
  addPhoto,
  addReceiveLine,
  createAuthor,
  createReceipt,
  entriesOf,
  proposeChange,
  readRecord,
  resolveConflict,
  type RecordIndexEntry,
} from '../../shared/model';
import { applyReviewEvent, emptyReviewState, type ReviewState } from '../../shared/review';
import { deviceAuthor, deviceIdFor, randomId, SeqCounter } from '../../client/app/lib/device';
import { recordHistory } from '../../client/app/lib/history';
import { myProposals, outcomeText, SeenOutcomes } from '../../client/app/lib/proposals';
import { statusActions, syncLabels } from '../../client/app/lib/recordState';
import { parseSignInLink } from '../../client/app/lib/session';
import { recordRows } from '../../client/app/lib/recordRows';
import { recordSummary, type RecordSummary } from '../../shared/summary/recordSummary';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';

describe('device identity and sequence', () => {
  it('hands out each sequence number once, also across a reload', () => {
    const store = memoryKeyValueStore();
    const first = new SeqCounter('dev-1', store);
    expect([first.next(), first.next(), first.next()]).toEqual([1, 2, 3]);
    const afterReload = new SeqCounter('dev-1', store);
    expect(afterReload.next()).toBe(4);
    expect(new SeqCounter('dev-2', store).next()).toBe(1);
  });

  it('makes a v4 UUID without crypto.randomUUID (plain http on a LAN address)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array<ArrayBuffer>) => real.getRandomValues(a) });
    try {
      expect(randomId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('gives each user of a shared handheld a device id of their own, kept across reloads', () => {
    const store = memoryKeyValueStore();
    store.setItem('tally.device', 'old-id'); // made before ids were per user
    const ana = deviceIdFor('u-ana', store);
    const ben = deviceIdFor('u-ben', store);
    expect(ana).toBe('old-id'); // the first to sign in keeps it
    expect(ben).not.toBe(ana);
    expect(deviceIdFor('u-ben', store)).toBe(ben);
    expect(deviceIdFor('u-ana', store)).toBe(ana);
    expect(deviceIdFor('u-cy', memoryKeyValueStore())).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stamps entries with the persisted sequence', () => {
    const store = memoryKeyValueStore();
    const doc = new Y.Doc();
    const author = deviceAuthor('u-ana', 'dev-1' as never, new SeqCounter('dev-1', store));
    createReceipt(doc, author, { id: 'R-1', site: 'main', supplier: 'ACME' });
    const line = addReceiveLine(doc, author, { item: 'SKU-1', qty: 5 });
    expect(line.id).toBe('dev-1:2');
    expect(store.data.get('tally.seq.dev-1')).toBe('2');
  });
});

describe('parseSignInLink', () => {
  it.each([
    ['http://10.0.0.5:8787/enrol#code=abc123', { code: 'abc123' }],
    ['/enrol#token=tok_-9', { token: 'tok_-9' }],
    ['#code=xyz', { code: 'xyz' }],
    ['token=only', { token: 'only' }],
    ['http://10.0.0.5:8787/enrol', null],
    ['#code=', null],
  ])('%s', (link, expected) => {
    expect(parseSignInLink(link)).toEqual(expected);
  });
});

describe('statusActions', () => {
  it.each<[Role, 'receipt' | 'count', string, string[]]>([
    ['crew', 'receipt', 'open', ['received', 'rejected']],
    ['crew', 'receipt', 'received', []],
    ['supervisor', 'receipt', 'received', ['closed', 'open']],
    ['auditor', 'receipt', 'open', []],
    ['crew', 'count', 'open', ['submitted']],
    ['supervisor', 'count', 'submitted', ['accepted', 'recount']],
    ['admin', 'receipt', 'rejected', ['open']],
  ])('%s on a %s in %s may propose %j', (role, kind, status, expected) => {
    expect(statusActions(role, kind, status).map((a) => a.to)).toEqual(expected);
  });
});

describe('syncLabels', () => {
  const sync = (pending: number, loaded = true) => ({ loaded, pending }) as never;
  it.each([
    [sync(0), null, ['onRelay']],
    [sync(3), null, ['deviceOnly']],
    [sync(0, false), null, ['loading']],
    [null, null, ['notOnDevice']],
  ])('%j', (s, review, expected) => {
    expect(syncLabels(s, review)).toEqual(expected);
  });
});

describe('the record list', () => {
  const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1000 });
  /** A receipt this device holds, with these header fields and one change not yet on the relay. */
  const held = (id: string, fields: { supplier?: string; dock?: string }): [string, RecordSummary] => {
    const doc = new Y.Doc();
    createReceipt(doc, ana, { id, site: 'main', ...fields });
    return [id, recordSummary({ id, record: readRecord(doc), review: null, sync: { pending: 1 } })];
  };
  /** A row of the site's index, as the relay wrote it. */
  const indexed = (id: string, title: string): RecordIndexEntry =>
    ({ id, kind: 'receipt', title, site: 'main', createdAt: 500, createdBy: 'ben' }) as RecordIndexEntry;
  it.each<[string, RecordIndexEntry[], [string, RecordSummary][], [string, string, boolean][]]>([
    ['a record made here shows before the relay lists it', [], [held('R-1', { supplier: 'ACME' })], [['R-1', 'ACME', true]]],
    [
      'a held record is titled by its own header, not an older row',
      [indexed('R-1', 'Goods receipt')],
      [held('R-1', { supplier: 'ACME', dock: '3' })],
      [['R-1', 'ACME, dock 3', true]],
    ],
    ['a listed record not held here shows the relay\'s title', [indexed('R-2', 'Other Co')], [], [['R-2', 'Other Co', false]]],
  ])('%s', (_what, index, summaries, expected) => {
    expect(recordRows(index, new Map(summaries)).map((r) => [r.id, r.title, r.onDevice])).toEqual(expected);
  });

  it('labels rows from summaries: pending work, conflict and hold first, a record still loading', () => {
    const [, summary] = held('R-1', { supplier: 'ACME' });
    const rows = recordRows(
      [indexed('R-2', 'Other Co')],
      new Map([['R-1', { ...summary, openConflicts: 1, hold: true }]]),
      new Set(['R-3']),
    );
    expect(rows.map((r) => [r.id, r.labels])).toEqual([
      ['R-1', ['conflict', 'hold', 'deviceOnly']],
      ['R-2', ['notOnDevice']],
      ['R-3', ['loading']],
    ]);
  });
});

describe('history and proposals', () => {
  /** Two crews propose different statuses from revision 0; a supervisor settles it. */
  function disputedReceipt(): { doc: Y.Doc; review: ReviewState } {
    const doc = new Y.Doc();
    const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1000 });
    const ben = createAuthor({ user: 'ben', device: 'dock-2', now: () => 2000 });
    const sam = createAuthor({ user: 'sam', device: 'office', now: () => 5000 });
    createReceipt(doc, ana, { id: 'R-1', site: 'main', supplier: 'ACME' });
    addReceiveLine(doc, ana, { item: 'SKU-1', qty: 50 });
    const received = proposeChange(doc, ana, { field: 'status', value: 'received', baseRevision: 0 });
    const rejected = proposeChange(doc, ben, { field: 'status', value: 'rejected', baseRevision: 0 });
    const roles: Record<string, Role> = { ana: 'crew', ben: 'crew', sam: 'supervisor' };
    let review = emptyReviewState('record:R-1', 'receipt');
    review = applyReviewEvent(review, { type: 'proposal', entry: received as never, now: 3000 }, roles);
    review = applyReviewEvent(review, { type: 'proposal', entry: rejected as never, now: 3001 }, roles);
    const conflictId = Object.keys(review.conflicts)[0] as string;
    const resolution = resolveConflict(doc, sam, { conflictId, chosen: received.id });
    review = applyReviewEvent(review, { type: 'resolution', entry: resolution as never, now: 6000 }, roles);
    return { doc, review };
  }

  it('merges entries and the relay decisions into one timeline, oldest first', () => {
    const { doc, review } = disputedReceipt();
    const items = recordHistory(entriesOf(doc), review, { nameOf: (u) => u.toUpperCase() });
    expect(items.map((i) => `${i.source}:${i.kind}`)).toEqual([
      'device:fieldEdit',
      'device:line',
      'device:proposal',
      'device:proposal',
      'relay:applied',
      'relay:conflict',
      'device:resolution',
      'relay:applied',
    ]);
    expect(items.find((i) => i.kind === 'line')?.summary).toBe('Received 50 × SKU-1');
    expect(items.at(-1)?.summary).toContain("SAM's decision");
  });

  it.each([
    ['of the whole record, without a caption', {}, 'Photo'],
    ['of the whole record, with a caption', { caption: 'wet cartons' }, 'Photo: wet cartons'],
    ['of a line', { line: 'LINE', caption: 'crushed corner' }, "Photo of ANA's line 50 × SKU-1: crushed corner"],
    ['of a bin', { bin: 'A-01' }, 'Photo of bin A-01'],
    ['of a line this device lacks', { line: 'dock-9:1' }, 'Photo of an entry not on this device'],
  ])('says what a photo shows: %s', (_what, target, expected) => {
    const doc = new Y.Doc();
    const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1000 });
    createReceipt(doc, ana, { id: 'R-1', site: 'main' });
    const line = addReceiveLine(doc, ana, { item: 'SKU-1', qty: 50 });
    const { line: lineRef, ...rest } = target as { line?: string; caption?: string; bin?: string };
    addPhoto(doc, ana, { photoId: 'a'.repeat(64), ...rest, line: (lineRef === 'LINE' ? line.id : lineRef) as never });
    const items = recordHistory(entriesOf(doc), null, { nameOf: (u) => u.toUpperCase() });
    expect(items.find((i) => i.kind === 'photo')?.summary).toBe(expected);
  });

  it("tells each proposer what became of their proposal, and counts outcomes they have not seen", () => {
    const { doc, review } = disputedReceipt();
    const view = recordSummary({ id: 'R-1', record: readRecord(doc), review, sync: null });
    const [ben] = myProposals([view], 'ben');
    expect(outcomeText(ben!, (u) => (u === 'sam' ? 'Sam' : u))).toBe('Resolved by Sam: set to received; yours was set aside');
    const [ana] = myProposals([view], 'ana');
    expect(outcomeText(ana!)).toBe('Resolved by sam: your value was chosen');

    const seen = new SeenOutcomes('ben', memoryKeyValueStore());
    expect(seen.unseen([ben!])).toHaveLength(1);
    seen.markSeen([ben!]);
    expect(seen.unseen([ben!])).toHaveLength(0);
  });
});
