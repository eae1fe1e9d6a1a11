/** A screen's parts share one derivation per entries array, equal to the record model's own. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { receivedOf, reversalsOf } from '../../client/app/lib/entryDerivations';
import { addReceiveLine, createAuthor, createReceipt, entriesOf, receivedByItem, reversalIndex, reverseEntry } from '../../shared/model';

describe('entryDerivations', () => {
  const author = createAuthor({ user: 'ann', device: 'ann-phone' });
  const doc = new Y.Doc();
  createReceipt(doc, author, { id: 'R1', site: 'north' });
  const first = addReceiveLine(doc, author, { item: 'SKU-1', qty: 50 });
  addReceiveLine(doc, author, { item: 'SKU-1', qty: 30 });

  it.each([
    ['received totals', receivedOf, receivedByItem],
    ['reversals', reversalsOf, reversalIndex],
  ] as const)('%s: computed once for an array, again for the next one', (_name, shared, own) => {
    const before = entriesOf(doc);
    expect(shared(before)).toBe(shared(before));
    expect(shared(before)).toEqual(own(before));
    reverseEntry(doc, author, first.id, 'scanned twice');
    const after = entriesOf(doc);
    expect(shared(after)).not.toBe(shared(before));
    expect(shared(after)).toEqual(own(after));
  });

  it('totals follow the newest array', () => {
    expect(receivedOf(entriesOf(doc)).totals.get('SKU-1')).toBe(30);
  });
});
