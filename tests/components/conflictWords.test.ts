/**
 * Conflicts in words: where each proposal stands ("My proposals"), the
 * history and its CSV (field names, old and new values, candidates with who
 * and when, the chosen one and by whom, the note; never an internal key or
 * an entry id), and the status as the header shows it.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Role } from '../../shared/auth/roles';
import {
  addReceiveLine,
  createAuthor,
  createReceipt,
  entriesOf,
  fieldConflicts,
  proposeChange,
  readRecord,
  resolveConflict,
  reverseEntry,
  setField,
  type Entry,
} from '../../shared/model';
import { applyReviewEvent, emptyReviewState, type ReviewState } from '../../shared/review';
import { historyCsv, recordHistory } from '../../client/app/lib/history';
import { myProposals, proposalState } from '../../client/app/lib/proposals';
import { statusShown } from '../../client/app/lib/recordState';
import { recordSummary } from '../../shared/summary/recordSummary';

const roles: Record<string, Role> = { ana: 'crew', ben: 'crew', sam: 'supervisor' };
const NAMES: Record<string, string> = { ana: 'Ana', ben: 'Ben', sam: 'Sam' };
const words = { nameOf: (u: string) => NAMES[u] ?? u, timeOf: (ms: number) => `t${ms}` };
const ana = createAuthor({ user: 'ana', device: 'dock-1', now: () => 1000 });
const ben = createAuthor({ user: 'ben', device: 'dock-2', now: () => 2000 });
const sam = createAuthor({ user: 'sam', device: 'office', now: () => 5000 });

/** The relay's review of `entries` arriving in order (fields and proposals, as RecordReviewer decides them). */
function relay(entries: readonly Entry[], now = 3000): ReviewState {
  let review = emptyReviewState('record:R-1', 'receipt');
  entries.forEach((entry, i) => {
    if (entry.kind === 'proposal' || entry.kind === 'resolution') {
      review = applyReviewEvent(review, { type: entry.kind, entry, now: now + i } as never, roles);
    } else if (entry.kind === 'fieldEdit') {
      for (const c of fieldConflicts(entries.slice(0, i + 1))) {
        const candidates = c.candidates.map((e) => ({ proposalId: e.id, user: e.user, device: e.device, at: e.at, value: e.to }));
        review = applyReviewEvent(review, { type: 'fieldConflict', input: { name: c.field, base: c.base, from: c.from, candidates }, now: now + i }, roles);
      }
    }
  });
  return review;
}

/** Ana and Ben change the dock from D1 offline (D2, D5); Sam enters D3 with a note. */
function dockDispute(settle: boolean): { entries: Entry[]; review: ReviewState } {
  const doc = new Y.Doc();
  createReceipt(doc, ana, { id: 'R-1', site: 'main', supplier: 'ACME', dock: 'D1' });
  const other = new Y.Doc();
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
  setField(doc, ana, 'dock', 'D2');
  setField(other, ben, 'dock', 'D5');
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
  if (settle) resolveConflict(doc, sam, { conflictId: 'c1', chosen: { value: 'D3', note: 'Gate log says dock 3' } });
  return { entries: entriesOf(doc), review: relay(entriesOf(doc)) };
}

/** Ana proposes received, Ben rejected, both from revision 0; Sam chooses Ana's unless `open`. */
function statusDispute(open: boolean) {
  const doc = new Y.Doc();
  createReceipt(doc, ana, { id: 'R-1', site: 'main', supplier: 'ACME' });
  const line = addReceiveLine(doc, ana, { item: 'SKU-1', qty: 50 });
  reverseEntry(doc, ana, line.id, 'wrong item');
  const received = proposeChange(doc, ana, { field: 'status', value: 'received', baseRevision: 0 });
  proposeChange(doc, ben, { field: 'status', value: 'rejected', baseRevision: 0 });
  if (!open) resolveConflict(doc, sam, { conflictId: 'c1', chosen: received.id });
  return { doc, entries: entriesOf(doc), review: relay(entriesOf(doc)) };
}

function noInternals(text: string, entries: readonly Entry[]): void {
  expect(text).not.toMatch(/field:|@initial|"\[/);
  for (const e of entries) expect(text).not.toContain(e.id);
}

describe('the history in words', () => {
  it('says which field a relay-opened conflict is about, with every candidate, who and when', () => {
    const { entries, review } = dockDispute(false);
    const opened = recordHistory(entries, review, words).find((i) => i.kind === 'opened');
    expect(opened?.summary).toBe('Relay opened conflict c1 on dock: "D2" (Ana\'s edit, t1000) vs "D5" (Ben\'s edit, t2000), all from "D1" [review revision 0]');
  });

  it('tells a decision on a field by its old value, the new one, how it was made, the note and what was set aside', () => {
    const { entries, review } = dockDispute(true);
    const items = recordHistory(entries, review, words);
    expect(items.find((i) => i.kind === 'resolution')?.summary).toBe('Settled conflict c1 on dock: entered "D3", note “Gate log says dock 3”');
    expect(items.find((i) => i.source === 'relay' && i.kind === 'applied')?.summary).toBe(
      'Relay applied Sam\'s decision on conflict c1 about dock: "D1" → "D3"; entered "D3", note “Gate log says dock 3”; set aside "D2" (Ana\'s edit, t1000), "D5" (Ben\'s edit, t2000) [review revision 1]',
    );
    expect(items.filter((i) => i.kind === 'fieldEdit').map((i) => i.summary)).toEqual([
      'Changed supplier from (empty) to "ACME"',
      'Changed dock from (empty) to "D1"',
      'Changed dock from "D1" to "D2"',
      'Changed dock from "D1" to "D5"',
    ]);
    noInternals(items.map((i) => i.summary).join('\n'), entries);
  });

  it('names the chosen candidate of a status conflict and whose it was', () => {
    const { entries, review } = statusDispute(false);
    const items = recordHistory(entries, review, words);
    expect(items.find((i) => i.kind === 'resolution')?.summary).toBe("Settled conflict c1 on status: chose received (Ana's proposal, t1000)");
    expect(items.find((i) => i.kind === 'conflict')?.summary).toBe(
      "Relay put Ben's proposal (status → rejected) in conflict c1 on status with received (Ana's proposal, t1000): a supervisor decides [review revision 1]",
    );
    expect(items.find((i) => i.kind === 'reversal')?.summary).toBe("Reversed Ana's line 50 × SKU-1: wrong item");
    noInternals(items.map((i) => i.summary).join('\n'), entries);
  });

  it('exports the same words as CSV, without entry ids', () => {
    const { entries, review } = dockDispute(true);
    const csv = historyCsv(recordHistory(entries, review, words), words.nameOf);
    expect(csv.split('\n')[0]).toBe('time,source,what kind,who,device,what happened');
    expect(csv).toContain('"Relay applied Sam\'s decision on conflict c1 about dock: ""D1"" → ""D3""');
    expect(csv).toContain('Gate log says dock 3');
    noInternals(csv, entries);
  });
});

describe('where my proposals stand', () => {
  const state = (entries: Entry[], review: ReviewState | null, user: string, pending = 0) => {
    const doc = new Y.Doc();
    const summary = recordSummary({ id: 'R-1', record: { ...readRecord(doc), entries }, review, sync: { pending } });
    const [mine] = myProposals([summary], user);
    return proposalState(mine!, words.nameOf);
  };
  const open = statusDispute(true);
  const settled = statusDispute(false);
  const onlyAna = open.entries.filter((e) => !(e.kind === 'proposal' && e.user === 'ben'));

  it.each<[string, () => ReturnType<typeof state>, string, string]>([
    ['saved on this device', () => state(onlyAna, null, 'ana', 1), 'onDevice', 'Saved on this device; not on the relay yet'],
    ['on the relay, not decided', () => state(onlyAna, null, 'ana', 0), 'undecided', 'On the relay; not decided yet'],
    ['applied', () => state(onlyAna, relay(onlyAna), 'ana'), 'applied', 'Applied at revision 1'],
    ['the incumbent of an open conflict is in conflict, not applied', () => state(open.entries, open.review, 'ana'), 'conflict', 'In conflict with rejected (Ben): a supervisor decides'],
    ['the challenger of an open conflict', () => state(open.entries, open.review, 'ben'), 'conflict', 'In conflict with received (Ana): a supervisor decides'],
    ['chosen', () => state(settled.entries, settled.review, 'ana'), 'chosen', 'Resolved by Sam: your value was chosen'],
    ['set aside', () => state(settled.entries, settled.review, 'ben'), 'setAside', 'Resolved by Sam: set to received; yours was set aside'],
  ])('%s', (_name, get, standing, text) => {
    expect(get()).toMatchObject({ standing, text });
  });

  it('refused, with why', () => {
    const doc = new Y.Doc();
    createReceipt(doc, ana, { id: 'R-1', site: 'main' });
    proposeChange(doc, ana, { field: 'status', value: 'closed', baseRevision: 0 });
    expect(state(entriesOf(doc), relay(entriesOf(doc)), 'ana')).toMatchObject({ standing: 'refused', text: 'Refused: crew may not set a receipt to closed' });
  });
});

describe('statusShown', () => {
  it('reads undecided while a status conflict is open, and the decision after', () => {
    expect(statusShown('receipt', statusDispute(true).review)).toEqual({ status: 'received', text: 'Undecided: received or rejected', undecided: true });
    expect(statusShown('receipt', statusDispute(false).review)).toEqual({ status: 'received', text: 'Received', undecided: false });
    expect(statusShown('receipt', null)).toEqual({ status: 'open', text: 'Open', undecided: false });
  });
});
