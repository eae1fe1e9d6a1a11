/**
 * RecordActions, the one way screens write a record: each action writes the
 * entry the crew meant, stamped with this device's author, and a proposal
 * names the review revision the record shows.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RecordActions } from '../../client/app/lib/RecordActions';
import { createAuthor, createCountSheet, createReceipt, entriesOf, readFields, type Entry } from '../../shared/model';

const author = createAuthor({ user: 'ann', device: 'ann-phone', now: () => 1_000 });
const actions = new RecordActions({ author });

/** A receipt or a count sheet, as a screen holds it, showing review revision 3. */
function record(kind: 'receipt' | 'count') {
  const doc = new Y.Doc();
  const setup = createAuthor({ user: 'setup', device: 'setup' });
  if (kind === 'receipt') createReceipt(doc, setup, { id: 'R1', site: 'north', supplier: 'ACME' });
  else createCountSheet(doc, setup, { id: 'C1', site: 'north' });
  return { doc, get: () => ({ review: { revision: 3 } }) as never };
}

const last = (doc: Y.Doc): Entry => entriesOf(doc).at(-1)!;

describe('RecordActions', () => {
  it.each([
    ['a received line', 'receipt', (s: ReturnType<typeof record>) => actions.addLine(s, { item: 'SKU-1', qty: 4, lot: 'L-7' }), { kind: 'line', item: 'SKU-1', qty: 4, lot: 'L-7' }],
    ['a count', 'count', (s: ReturnType<typeof record>) => actions.addCount(s, { bin: 'A-1', item: 'SKU-1', qty: 9 }), { kind: 'count', bin: 'A-1', item: 'SKU-1', qty: 9 }],
    ['a recount request', 'count', (s: ReturnType<typeof record>) => actions.requestRecount(s, { bin: 'A-1', item: 'SKU-1', reason: 'damp boxes' }), { kind: 'recountRequest', bin: 'A-1', reason: 'damp boxes' }],
    ['a photo', 'receipt', (s: ReturnType<typeof record>) => actions.addPhoto(s, { photoId: 'a'.repeat(64), caption: 'torn wrap' }), { kind: 'photo', photoId: 'a'.repeat(64), caption: 'torn wrap' }],
    ['a status proposal on the revision shown', 'receipt', (s: ReturnType<typeof record>) => actions.propose(s, 'status', 'received'), { kind: 'proposal', field: 'status', value: 'received', baseRevision: 3 }],
    ['an accepted count proposal on the revision shown', 'count', (s: ReturnType<typeof record>) => actions.proposeCount(s, { bin: 'A-1', item: 'SKU-1', qty: 12 }), { kind: 'proposal', field: 'acceptedCount', value: 12, bin: 'A-1', item: 'SKU-1', baseRevision: 3 }],
    ['a decision', 'receipt', (s: ReturnType<typeof record>) => actions.resolve(s, { conflictId: 'status', chosen: 'x:1' }), { kind: 'resolution', conflictId: 'status', chosen: 'x:1' }],
  ] as const)('writes %s, stamped with this device', (_name, kind, act, expected) => {
    const source = record(kind);
    const written = act(source);
    expect(last(source.doc)).toEqual(written);
    expect(written).toMatchObject({ ...expected, user: 'ann', device: 'ann-phone', at: 1_000 });
  });

  it('reverses a line with the reason given', () => {
    const source = record('receipt');
    const line = actions.addLine(source, { item: 'SKU-1', qty: 4 });
    expect(actions.reverse(source, line.id, 'scanned twice')).toMatchObject({ kind: 'reversal', reverses: line.id, reason: 'scanned twice', user: 'ann' });
  });

  it('edits a field from the value it shows, and writes nothing for the same value', () => {
    const source = record('receipt');
    expect(actions.saveField(source, 'dock', '4')).toMatchObject({ kind: 'fieldEdit', field: 'dock', to: '4' });
    expect(readFields(source.doc).dock).toBe('4');
    expect(actions.saveField(source, 'dock', '4')).toBeNull();
  });
});
