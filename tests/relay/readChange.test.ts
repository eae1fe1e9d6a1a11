/**
 * readChange tells what an update would do to a document without applying
 * it: where each new item lands (also items placed only by an origin, and
 * items inside nested types), which existing items it deletes, and which
 * client ids it writes beyond what the document holds.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { changesNothing, readChange, readChanges, type ChangeReading } from '../../relay/policy/readChange';
import { gcStructUpdate } from '../support/rawDevice';

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
  const parts: Uint8Array[] = [];
  const capture = (u: Uint8Array): void => void parts.push(u);
  device.on('update', capture);
  change(device);
  device.off('update', capture);
  return Y.mergeUpdates(parts);
}

const placed = (reading: ChangeReading) =>
  [...reading.writes.values()].flatMap((w) => w.items.map(({ item, place }) => ({ place, values: item.content instanceof Y.ContentAny ? item.content.getContent() : null })));
const rootsOf = (reading: ChangeReading): string[] =>
  [...new Set(placed(reading).flatMap(({ place }) => (place.kind === 'type' ? [place.root] : [place.kind])))].sort();
const deletedRootsOf = (reading: ChangeReading): string[] => [...new Set(reading.deletes.map((d) => d.root ?? '?'))].sort();

describe('readChange', () => {
  it.each([
    ['appending an entry', (d: Y.Doc) => d.getArray('entries').push([{ id: 'b:1' }]), ['entries'], []],
    ['inserting an entry between others (placed by its origins)', (d: Y.Doc) => d.getArray('entries').insert(1, [{ id: 'b:2' }]), ['entries'], []],
    ['setting a descriptive field', (d: Y.Doc) => d.getMap('fields').set('supplier', 'Other'), ['fields'], ['fields']],
    ['writing the review map', (d: Y.Doc) => d.getMap('review').set('status', 'closed'), ['review'], []],
    ['writing inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c2', {}), ['review'], []],
    ['overwriting inside a nested review type', (d: Y.Doc) => (d.getMap('review').get('conflicts') as Y.Map<unknown>).set('c1', { status: 'resolved' }), ['review'], ['review']],
    ['deleting an entry', (d: Y.Doc) => d.getArray('entries').delete(0, 1), [], ['entries']],
    ['creating a new top-level type', (d: Y.Doc) => d.getMap('sneaky').set('x', 1), ['sneaky'], []],
  ])('sees %s', (_what, change, insertRoots, deleteRoots) => {
    const { relay, device } = setup();
    const reading = readChange(relay, deviceUpdate(device, change));
    expect(changesNothing(reading)).toBe(false);
    expect(rootsOf(reading)).toEqual(insertRoots);
    expect(deletedRootsOf(reading)).toEqual(deleteRoots);
  });

  it('marks an item its own update deletes as deleted on insert', () => {
    const { relay, device } = setup();
    const reading = readChange(relay, deviceUpdate(device, (d) => {
      d.getArray('entries').push([{ id: 'b:3' }]);
      d.getArray('entries').delete(2, 1);
    }));
    expect(reading.deletedOnInsert.size).toBe(1);
    expect(reading.deletes).toEqual([]);
  });

  it('lists the values an update inserts, with where they land, and never touches the document', () => {
    const { relay, device } = setup();
    const before = Y.encodeStateAsUpdate(relay);
    const reading = readChange(relay, deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1', user: 'bob' }])));
    expect(placed(reading)).toEqual([{ place: { kind: 'type', root: 'entries', key: null, topLevel: true }, values: [{ id: 'b:1', user: 'bob' }] }]);
    expect(Y.encodeStateAsUpdate(relay)).toEqual(before);
  });

  it('tells values inside a nested type from top-level ones', () => {
    const { relay, device } = setup();
    const reading = readChange(relay, deviceUpdate(device, (d) => {
      const inner = new Y.Array();
      d.getArray('entries').push([inner]);
      inner.push([{ id: 'x:1' }]);
    }));
    expect(placed(reading).map(({ place }) => place)).toEqual([
      { kind: 'type', root: 'entries', key: null, topLevel: true },
      { kind: 'type', root: 'entries', key: null, topLevel: false },
    ]);
  });

  it('names the client ids an update writes beyond the document, GC structs included', () => {
    const { relay, device } = setup();
    const client = relay.clientID;
    const reading = readChange(relay, gcStructUpdate(client, Y.getState(relay.store, client), 100_000));
    expect([...reading.writes.values()].map((w) => ({ client: w.client, gcs: w.gcs, to: w.to - w.from }))).toEqual([{ client, gcs: 1, to: 100_000 }]);
    expect(readChange(relay, deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1' }]))).writes.has(device.clientID)).toBe(true);
  });

  it('finds an item placed after one it does not hold as missing, and a gap too', () => {
    const { relay, device } = setup();
    const first = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:1' }]));
    const second = deviceUpdate(device, (d) => d.getArray('entries').push([{ id: 'b:2' }]));
    const reading = readChange(relay, second);
    const write = reading.writes.get(device.clientID)!;
    expect(write.start).toBeGreaterThan(write.from);
    Y.applyUpdate(relay, first);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(device));
    expect(placed(readChange(relay, deviceUpdate(other, (d) => d.getArray('entries').push([{ id: 'c:1' }])))).map((p) => p.place.kind)).toEqual(['missing']);
  });

  it('sees nothing in an update the relay already holds', () => {
    const { relay, device } = setup();
    const update = deviceUpdate(device, (d) => {
      d.getArray('entries').push([{ id: 'b:1' }]);
      d.getMap('fields').set('supplier', 'Other');
    });
    Y.applyUpdate(relay, update);
    expect(changesNothing(readChange(relay, update))).toBe(true);
  });
});

describe('readChanges', () => {
  /** The frames of a device streaming `n` lines, one update per line. */
  function lines(device: Y.Doc, n: number): Uint8Array[] {
    return Array.from({ length: n }, (_, k) => deviceUpdate(device, (d) => d.getArray('entries').push([{ id: `b:${k}` }])));
  }
  const summary = (reading: ChangeReading) => ({
    writes: [...reading.writes.values()].map((w) => ({ client: w.client, from: w.from, to: w.to, start: w.start, skips: w.skips })),
    placed: placed(reading),
    deletes: deletedRootsOf(reading),
  });

  it('reads frames that follow on from each other as their merge reads', () => {
    const { relay, device } = setup();
    const frames = [...lines(device, 3), deviceUpdate(device, (d) => d.getArray('entries').delete(0, 1))];
    const together = readChanges(relay, frames);
    expect(together).not.toBeNull();
    expect(summary(together!)).toEqual(summary(readChange(relay, Y.mergeUpdates(frames))));
  });

  it.each([
    ['a frame sent twice', (frames: Uint8Array[]) => [frames[0]!, frames[1]!, frames[1]!]],
    ['a gap between two frames', (frames: Uint8Array[]) => [frames[0]!, frames[2]!]],
    ['frames out of order', (frames: Uint8Array[]) => [frames[1]!, frames[0]!]],
  ])('leaves %s to be merged first (null)', (_what, pick) => {
    const { relay, device } = setup();
    expect(readChanges(relay, pick(lines(device, 3)))).toBeNull();
  });
});
