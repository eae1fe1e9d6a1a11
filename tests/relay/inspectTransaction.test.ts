import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { advancedClients, inspectTransaction, type TransactionInspection } from '../../relay/policy/inspectTransaction';

/** A relay copy and a device copy of one record that already share some history. */
function setup(): { relay: Y.Doc; device: Y.Doc } {
  const relay = new Y.Doc();
  relay.getArray('entries').push([{ id: 'a:1' }, { id: 'a:2' }]);
  relay.getMap('fields').set('supplier', 'ACME');
  const nested = new Y.Map();
  relay.getMap('review').set('conflicts', nested);
  nested.set('c1', { status: 'open' });
  const device = new Y.Doc();
  Y.applyUpdate(device, Y.encodeStateAsUpdate(relay));
  return { relay, device };
}

/** What the device's `change` sends, as one update. */
function deviceUpdate(device: Y.Doc, change: (d: Y.Doc) => void): Uint8Array {
  let update: Uint8Array | undefined;
  const capture = (u: Uint8Array): void => {
    update = update ? Y.mergeUpdates([update, u]) : u;
  };
  device.on('update', capture);
  change(device);
  device.off('update', capture);
  return update!;
}

/** Applies `update` to `relay` the way the relay does, inspecting inside the transaction. */
function applyAndInspect(relay: Y.Doc, update: Uint8Array): { inspection: TransactionInspection; changed: boolean } {
  let inspection: TransactionInspection | undefined;
  let changed = false;
  Y.transact(
    relay,
    (txn) => {
      Y.applyUpdate(relay, update);
      changed = advancedClients(txn).size > 0 || txn.deleteSet.clients.size > 0;
      inspection = inspectTransaction(txn);
    },
    'device',
    false,
  );
  return { inspection: inspection!, changed };
}

describe('inspectTransaction', () => {
  it.each([
    ['appending an entry', (d: Y.Doc) => d.getArray('entries').push([{ id: 'b:1' }]), ['entries'], []],
    ['inserting an entry between others', (d: Y.Doc) => d.getArray('entries').insert(1, [{ id: 'b:2' }]), ['entries'], []],
    ['setting a descriptive field', (d: Y.Doc) => d.getMap('fields').set('supplier', 'Other'), ['fields'], ['fields']],
    ['writing the review map', (d: Y.Doc) => d.getMap('review').set('status', 'closed'), ['review'], []],
    ['writing inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c2', {}), ['review'], []],
    ['overwriting inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c1', { status: 'resolved' }), ['review'], ['review']],
    ['deleting an entry', (d: Y.Doc) => d.getArray('entries').delete(0, 1), [], ['entries']],
    ['appending an entry and deleting it again', (d: Y.Doc) => { d.getArray('entries').push([{ id: 'b:3' }]); d.getArray('entries').delete(2, 1); }, ['entries'], ['entries']],
    ['creating a new top-level type', (d: Y.Doc) => d.getMap('sneaky').set('x', 1), ['sneaky'], []],
  ])('sees %s', (_what, change, insertRoots, deleteRoots) => {
    const { relay, device } = setup();
    const { inspection, changed } = applyAndInspect(relay, deviceUpdate(device, change));
    expect(changed).toBe(true);
    expect([...inspection.insertRoots].sort()).toEqual(insertRoots);
    expect([...inspection.deleteRoots].sort()).toEqual(deleteRoots);
  });

  it('lists the values an update inserts, with where they land', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1', user: 'bob' }]));
    expect(applyAndInspect(relay, update).inspection.inserted).toEqual([
      { root: 'entries', key: null, value: { id: 'b:1', user: 'bob' }, topLevel: true },
    ]);
  });

  it('tells values inside a nested type from top-level ones, and flags non-value content', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => {
      const inner = new Y.Array();
      d.getArray('entries').push([inner]);
      inner.push([{ id: 'x:1' }]);
    });
    const { inspection } = applyAndInspect(relay, update);
    expect(inspection.nonValueRoots).toEqual(new Set(['entries']));
    expect(inspection.inserted).toEqual([{ root: 'entries', key: null, value: { id: 'x:1' }, topLevel: false }]);
  });

  it('sees nothing in an update the relay already holds', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => {
      d.getArray('entries').push([{ id: 'b:1' }]);
      d.getMap('fields').set('supplier', 'Other');
    });
    Y.applyUpdate(relay, update);
    const again = applyAndInspect(relay, update);
    expect(again.changed).toBe(false);
    expect(again.inspection.insertRoots.size).toBe(0);
    expect(again.inspection.deleteRoots.size).toBe(0);
    expect(again.inspection.inserted).toEqual([]);
  });
});
