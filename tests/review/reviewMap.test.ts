import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { decide } from '../../shared/review/decide';
import { openDiscrepancyConflict } from '../../shared/review/openConflict';
import { resolve } from '../../shared/review/resolve';
import { emptyReviewState, type ReviewState } from '../../shared/review/ReviewState';
import { readReviewState, writeReviewState } from '../../shared/review/reviewMap';
import { crew, resolution, status, sup, sup2 } from './fixtures';

function reviewMapOf(clientID = 1): Y.Map<unknown> {
  const doc = new Y.Doc({ gc: true });
  doc.clientID = clientID;
  return doc.getMap('review');
}

/** A state with a little of everything: applied, conflict, resolution, discrepancy. */
function busyState(): ReviewState {
  let s = emptyReviewState('C-1', 'count');
  s = decide(s, status(crew, 0, 'submitted', 'p:1'), crew, 1);
  s = decide(s, status(sup, 1, 'accepted', 'p:2'), sup, 2);
  s = decide(s, status(sup2, 1, 'recount', 'p:3'), sup2, 3);
  s = openDiscrepancyConflict(s, { bin: 'A', item: 'X', candidates: [
    { proposalId: 'k:1', user: 'ann', device: 'd1', at: 4, value: 3 },
    { proposalId: 'k:2', user: 'bob', device: 'd2', at: 4, value: 4 },
  ] }, 4);
  return resolve(s, resolution(sup, 'c1', 'p:3', 'r:1'), sup, 5);
}
// Built once: the fixtures stamp each entry with a fresh sequence number.
const BUSY = busyState();

describe('readReviewState', () => {
  it('returns null for a map the relay has not written', () => {
    expect(readReviewState(reviewMapOf())).toBeNull();
  });

  it('reads back exactly what was written, byte for byte as JSON', () => {
    const map = reviewMapOf();
    const state = BUSY;
    writeReviewState(map, state);
    expect(JSON.stringify(readReviewState(map))).toBe(JSON.stringify(state));
  });

  it('reads the same on a device that received the relay update', () => {
    const map = reviewMapOf();
    writeReviewState(map, BUSY);
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(map.doc as Y.Doc));
    expect(JSON.stringify(readReviewState(device.getMap('review')))).toBe(JSON.stringify(BUSY));
  });

  it('hands out copies, so a reader cannot change the map by mutating the result', () => {
    const map = reviewMapOf();
    writeReviewState(map, BUSY);
    const read = readReviewState(map) as { conflicts: Record<string, { status: string }> };
    (read.conflicts.c1 as { status: string }).status = 'open';
    expect(readReviewState(map)?.conflicts.c1?.status).toBe('resolved');
  });
});

describe('writeReviewState', () => {
  it('writes each step as one small update that only appends to the log', () => {
    const map = reviewMapOf();
    const doc = map.doc as Y.Doc;
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    let s = emptyReviewState('R-1', 'receipt');
    writeReviewState(map, s);
    s = decide(s, status(crew, 0, 'received', 'p:1'), crew, 1);
    writeReviewState(map, s);
    expect(updates).toHaveLength(2);
    writeReviewState(map, s);
    expect(updates).toHaveLength(2);
    expect((map.get('log') as Y.Array<unknown>).length).toBe(1);
  });

  it('joins the caller’s transaction', () => {
    const map = reviewMapOf();
    const doc = map.doc as Y.Doc;
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    doc.transact(() => {
      writeReviewState(map, emptyReviewState('R-1', 'receipt'));
      doc.getArray('entries').push(['x']);
    }, 'relay');
    expect(transactions).toBe(1);
  });

  it('gives byte-identical documents for the same state and client id', () => {
    const a = reviewMapOf(7);
    const b = reviewMapOf(7);
    writeReviewState(a, BUSY);
    writeReviewState(b, BUSY);
    expect(Y.encodeStateAsUpdate(a.doc as Y.Doc)).toEqual(Y.encodeStateAsUpdate(b.doc as Y.Doc));
  });

  it('rewrites a log that does not extend what the map holds', () => {
    const map = reviewMapOf();
    writeReviewState(map, BUSY);
    const other = decide(emptyReviewState('C-1', 'count'), status(crew, 0, 'submitted', 'p:9'), crew, 1);
    writeReviewState(map, other);
    expect(JSON.stringify(readReviewState(map))).toBe(JSON.stringify(other));
  });
});
