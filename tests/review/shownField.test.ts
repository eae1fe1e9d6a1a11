import { describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/model';
import { shownField, shownFields, type ReviewState } from '../../shared/review';
import { a, b, c, edit } from '../shared/entryBuilders';
import { relayReview, settle } from './fieldRelay';

const d = (seq: number, at?: number) => ({ device: 'd', seq, at });
// The story of the issue: D1 on device a, then D2 (b) and D5 (c) made offline from it.
const d1 = edit(a(1), 'dock', null, 'D1', null);
const d2 = edit(b(1, 10), 'dock', 'D1', 'D2', 'a:1');
const d5 = edit(c(1, 11), 'dock', 'D1', 'D5', 'a:1');
const chose5 = settle('s:1', 'c1', 'c:1', 20);
const entered3 = settle('s:1', 'c1', { value: 'D3', note: 'Gate log says dock 3' }, 20);

interface Row {
  entries: Entry[];
  /** Entries the relay has seen (default: all). */
  relaySaw?: Entry[];
  value: string | null;
  base: string | null;
  decidedBy?: string;
  conflict: string | null | 'device';
}

describe('shownField', () => {
  it.each<[string, Row]>([
    ['nothing edited', { entries: [], value: null, base: null, conflict: null }],
    ['one edit', { entries: [d1], value: 'D1', base: 'a:1', conflict: null }],
    ['a chain across devices', { entries: [d1, edit(b(1), 'dock', 'D1', 'D2', 'a:1'), edit(a(2), 'dock', 'D2', 'D4', 'b:1')], value: 'D4', base: 'a:2', conflict: null }],
    ['two devices from the same value: the later shows, in conflict', { entries: [d1, d2, d5], value: 'D5', base: 'c:1', conflict: 'c1' }],
    ['a conflict the relay has not seen yet shows as one all the same', { entries: [d1, d2, d5], relaySaw: [d1], value: 'D5', base: 'c:1', conflict: 'device' }],
    ['the supervisor chose a candidate', { entries: [d1, d2, d5, settle('s:1', 'c1', 'b:1', 20)], value: 'D2', base: 's:1', decidedBy: 'sue', conflict: null }],
    ['the supervisor chose the later candidate', { entries: [d1, d2, d5, chose5], value: 'D5', base: 's:1', decidedBy: 'sue', conflict: null }],
    ['the supervisor entered another value', { entries: [d1, d2, d5, entered3], value: 'D3', base: 's:1', decidedBy: 'sue', conflict: null }],
    ['an edit from the decided value is ordinary', { entries: [d1, d2, d5, entered3, edit(b(2, 30), 'dock', 'D3', 'D4', 's:1')], value: 'D4', base: 'b:2', conflict: null }],
    ['a chain of edits after the decision', { entries: [d1, d2, d5, entered3, edit(b(2, 30), 'dock', 'D3', 'D4', 's:1'), edit(c(2, 31), 'dock', 'D4', 'D6', 'b:2')], value: 'D6', base: 'c:2', conflict: null }],
    ['an edit made without knowing the decision does not undo it', { entries: [d1, d2, d5, entered3, edit(b(2, 30), 'dock', 'D2', 'D6', 'b:1')], value: 'D3', base: 's:1', decidedBy: 'sue', conflict: null }],
    ['a later edit with an earlier clock still shows when it knew the decision', { entries: [d1, d2, d5, entered3, edit(b(2, 1), 'dock', 'D3', 'D4', 's:1')], value: 'D4', base: 'b:2', conflict: null }],
    ['two devices edit from the decided value: a new conflict', { entries: [d1, d2, d5, entered3, edit(b(2, 30), 'dock', 'D3', 'D7', 's:1'), edit(c(2, 31), 'dock', 'D3', 'D8', 's:1')], value: 'D8', base: 'c:2', conflict: 'c2' }],
    ['...which a second decision settles', { entries: [d1, d2, d5, entered3, edit(b(2, 30), 'dock', 'D3', 'D7', 's:1'), edit(c(2, 31), 'dock', 'D3', 'D8', 's:1'), settle('s:2', 'c2', 'b:2', 40)], value: 'D7', base: 's:2', decidedBy: 'sue', conflict: null }],
    ['a late candidate on the old base disputes the decision; the decision holds meanwhile', { entries: [d1, d2, d5, entered3, edit(d(1, 50), 'dock', 'D1', 'D9', 'a:1')], value: 'D3', base: 's:1', decidedBy: 'sue', conflict: 'c2' }],
    ['a late candidate the relay has not seen yet', { entries: [d1, d2, d5, entered3, edit(d(1, 50), 'dock', 'D1', 'D9', 'a:1')], relaySaw: [d1, d2, d5, entered3], value: 'D3', base: 's:1', decidedBy: 'sue', conflict: 'device' }],
    ['a late candidate agreeing with the decision is no conflict', { entries: [d1, d2, d5, entered3, edit(d(1, 50), 'dock', 'D1', 'D3', 'a:1')], value: 'D3', base: 's:1', decidedBy: 'sue', conflict: null }],
    ['edits of other fields do not count', { entries: [d1, edit(b(1), 'notes', null, 'x', null)], value: 'D1', base: 'a:1', conflict: null }],
  ])('%s', (_name, row) => {
    const review = relayReview(row.relaySaw ?? row.entries);
    const shown = shownField({ field: 'dock', entries: row.entries, review });
    expect(shown.value).toBe(row.value);
    expect(shown.base).toBe(row.base);
    expect(shown.decided?.by).toBe(row.decidedBy);
    expect(shown.conflict === null ? null : (shown.conflict.conflictId ?? 'device')).toBe(row.conflict);
    // The order entries sit in never matters.
    expect(shownField({ field: 'dock', entries: [...row.entries].reverse(), review })).toEqual(shown);
  });

  it('says who decided, from what, and the note', () => {
    const shown = shownField({ field: 'dock', entries: [d1, d2, d5, entered3], review: relayReview([d1, d2, d5, entered3]) });
    expect(shown.decided).toMatchObject({ conflictId: 'c1', by: 'sue', from: 'D1', value: 'D3', chosen: null, note: 'Gate log says dock 3' });
  });

  it('lists the edits a decision overrides because they were made without knowing it', () => {
    const late = edit(b(2, 30), 'dock', 'D2', 'D6', 'b:1');
    const entries = [d1, d2, d5, entered3, late, edit(c(2, 31), 'dock', 'D5', 'D3', 'c:1')];
    const shown = shownField({ field: 'dock', entries, review: relayReview(entries) });
    expect(shown.value).toBe('D3');
    expect(shown.overridden).toEqual([{ id: 'b:2', user: 'user-b', device: 'b', at: 30, value: 'D6' }]);
    const after = [...entries, edit(a(2, 40), 'dock', 'D3', 'D4', 's:1')];
    expect(shownField({ field: 'dock', entries: after, review: relayReview(after) }).overridden).toEqual([]);
  });

  it('lists the candidates of an open conflict with who and when', () => {
    const shown = shownField({ field: 'dock', entries: [d1, d2, d5], review: relayReview([d1, d2, d5]) });
    expect(shown.conflict).toEqual({
      conflictId: 'c1',
      from: 'D1',
      candidates: [
        { id: 'b:1', user: 'user-b', device: 'b', at: 10, value: 'D2' },
        { id: 'c:1', user: 'user-c', device: 'c', at: 11, value: 'D5' },
      ],
    });
  });

  it('falls back to the stored value only when the field has no edit', () => {
    expect(shownField({ field: 'dock', entries: [], review: null, stored: '7' }).value).toBe('7');
    expect(shownField({ field: 'dock', entries: [d1], review: null, stored: '7' }).value).toBe('D1');
  });

  it('survives a cycle of bases a hostile device wrote: the latest edit shows', () => {
    const x = edit(a(1), 'dock', 'D2', 'D1', 'b:1');
    const y = edit(b(1), 'dock', 'D1', 'D2', 'a:1');
    const review: ReviewState = relayReview([d1]);
    expect(shownField({ field: 'dock', entries: [x, y], review }).value).toBe('D2');
    const decided = relayReview([d1, d2, d5, entered3]);
    expect(shownField({ field: 'dock', entries: [d1, d2, d5, entered3, x, y], review: decided }).value).toBe('D3');
  });
});

describe('shownFields', () => {
  it('gives every field of the kind its shown value, leaving out unset ones', () => {
    const entries = [d1, d2, d5, entered3, edit(a(2), 'supplier', null, 'ACME', null)];
    expect(shownFields('receipt', { fields: { dock: 'D5', supplier: 'ACME' }, entries }, relayReview(entries))).toEqual({ dock: 'D3', supplier: 'ACME' });
  });
});
