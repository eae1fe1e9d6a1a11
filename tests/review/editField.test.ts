import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAuthor, createReceipt, entriesOf, readFields, RecordRoot, setField, type Entry } from '../../shared/model';
import { editField, shownField, writeReviewState } from '../../shared/review';
import { relayReview, settle } from './fieldRelay';

/** A receipt whose dock went D1 -> D2 on device b and D1 -> D5 on device c, then was settled as `chosen`. */
function settledReceipt(chosen: Parameters<typeof settle>[2]): { doc: Y.Doc; entries: () => Entry[] } {
  const doc = new Y.Doc();
  createReceipt(doc, createAuthor({ user: 'user-a', device: 'a' }), { id: 'R1', site: 'S1', dock: 'D1' });
  const created = entriesOf(doc)[0] as Entry;
  const b = new Y.Doc();
  const c = new Y.Doc();
  for (const peer of [b, c]) Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
  setField(b, createAuthor({ user: 'user-b', device: 'b' }), 'dock', 'D2');
  setField(c, createAuthor({ user: 'user-c', device: 'c' }), 'dock', 'D5');
  for (const peer of [b, c]) Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer));
  // The merged array's order depends on Yjs client ids: find each side by its device.
  const e2 = entriesOf(doc).find((e) => e.device === 'b');
  const e5 = entriesOf(doc).find((e) => e.device === 'c');
  const resolution = settle('s:1', 'c1', chosen === 'b' ? (e2 as Entry).id : chosen === 'c' ? (e5 as Entry).id : chosen);
  doc.getArray(RecordRoot.entries).push([resolution]);
  writeReviewState(doc.getMap(RecordRoot.review), relayReview([created, e2 as Entry, e5 as Entry, resolution]));
  return { doc, entries: () => entriesOf(doc) };
}

describe('editField', () => {
  it('starts from the decided value and names the decision as its base', () => {
    const { doc, entries } = settledReceipt({ value: 'D3', note: 'Gate log says dock 3' });
    expect(readFields(doc).dock).not.toBe('D3'); // the fields map still holds one side
    const edit = editField(doc, createAuthor({ user: 'user-b', device: 'b2' }), 'dock', 'D4');
    expect(edit).toMatchObject({ from: 'D3', to: 'D4', base: 's:1' });
    const review = relayReview(entries());
    expect(Object.keys(review.conflicts)).toEqual(['c1']); // an ordinary edit: no new conflict
    expect(shownField({ field: 'dock', entries: entries(), review }).value).toBe('D4');
  });

  it('records nothing when the field already shows the value, even if the fields map holds another', () => {
    const { doc } = settledReceipt({ value: 'D3', note: 'gate log' });
    expect(editField(doc, createAuthor({ user: 'user-b', device: 'b2' }), 'dock', 'D3')).toBeNull();
  });

  it('edits from a chosen candidate the same way', () => {
    const { doc } = settledReceipt('b');
    expect(editField(doc, createAuthor({ user: 'user-c', device: 'c2' }), 'dock', 'D6')).toMatchObject({ from: 'D2', base: 's:1' });
  });

  it('behaves as setField when nothing was decided', () => {
    const doc = new Y.Doc();
    createReceipt(doc, createAuthor({ user: 'user-a', device: 'a' }), { id: 'R1', site: 'S1', dock: 'D1' });
    expect(editField(doc, createAuthor({ user: 'user-a', device: 'a' }), 'dock', 'D2')).toMatchObject({ from: 'D1', base: 'a:1' });
  });
});
