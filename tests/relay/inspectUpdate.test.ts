import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { inspectUpdate } from '../../relay/policy/inspectUpdate';

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

describe('inspectUpdate', () => {
  it.each([
    ['appending an entry', (d: Y.Doc) => d.getArray('entries').push([{ id: 'b:1' }]), ['entries'], []],
    ['inserting an entry between others', (d: Y.Doc) => d.getArray('entries').insert(1, [{ id: 'b:2' }]), ['entries'], []],
    ['setting a descriptive field', (d: Y.Doc) => d.getMap('fields').set('supplier', 'Other'), ['fields'], ['fields']],
    ['writing the review map', (d: Y.Doc) => d.getMap('review').set('status', 'closed'), ['review'], []],
    ['writing inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c2', {}), ['review'], []],
    ['overwriting inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c1', { status: 'resolved' }), ['review'], ['review']],
    ['deleting an entry', (d: Y.Doc) => d.getArray('entries').delete(0, 1), [], ['entries']],
    ['creating a new top-level type', (d: Y.Doc) => d.getMap('sneaky').set('x', 1), ['sneaky'], []],
  ])('sees %s', (_what, change, insertRoots, deleteRoots) => {
    const { relay, device } = setup();
    const result = inspectUpdate(relay, deviceUpdate(device, change));
    expect([...result.insertRoots].sort()).toEqual(insertRoots);
    expect([...result.deleteRoots].sort()).toEqual(deleteRoots);
    expect(result.unresolved).toBe(0);
  });

  it('lists the values an update inserts, with where they land', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1', user: 'bob' }]));
    expect(inspectUpdate(relay, update).inserted).toEqual([{ root: 'entries', key: null, value: { id: 'b:1', user: 'bob' } }]);
  });

  it('ignores what the relay already holds', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1' }]));
    Y.applyUpdate(relay, update);
    const again = inspectUpdate(relay, update);
    expect(again.insertRoots.size).toBe(0);
    expect(again.inserted).toEqual([]);
  });

  it('counts items whose dependencies the relay lacks as unresolved', () => {
    const { relay, device } = setup();
    deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1' }]));
    const second = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:2' }]));
    expect(inspectUpdate(relay, second).unresolved).toBe(1);
  });
});
