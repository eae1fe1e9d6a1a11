import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { StoredSegments, type StateVector } from '../../relay/sync/StoredSegments';

const bytes = (n: number): Uint8Array => new Uint8Array([n]);
const sv = (entries: [number, number][]): StateVector => new Map(entries);

/** A store holding a base (clients 1 and 2), then an update of client 3, then a deleting update of client 1. */
function sample(baseDeletes: Uint8Array | null): StoredSegments {
  const segments = new StoredSegments();
  segments.reset([bytes(1), bytes(2)], sv([[1, 10], [2, 5]]), baseDeletes);
  segments.add(bytes(3), sv([[3, 4]]), false);
  segments.add(bytes(4), sv([[1, 12]]), true);
  return segments;
}

describe('StoredSegments.missing', () => {
  it.each([
    ['a fresh device gets everything, in store order', [], null, [1, 2, 3, 4]],
    ['a device holding the base gets what came after it', [[1, 10], [2, 5]], null, [3, 4]],
    ['a device short of one base struct gets the whole base', [[1, 10], [2, 4], [3, 4]], null, [1, 2, 4]],
    ['a device holding every struct still gets deleting updates', [[1, 12], [2, 5], [3, 4]], null, [4]],
    ['a device holding the base gets its delete set instead of it', [[1, 10], [2, 5], [3, 4]], bytes(9), [9, 4]],
  ] as [string, [number, number][], Uint8Array | null, number[]][])('%s', (_what, held, baseDeletes, expected) => {
    expect(sample(baseDeletes).missing(sv(held)).map((b) => b[0])).toEqual(expected);
  });

  it('gives a device that applies what is missing the same document as the relay', () => {
    const relay = new Y.Doc();
    const device = new Y.Doc();
    const segments = new StoredSegments();
    segments.reset([Y.encodeStateAsUpdate(relay)], new Map(), null);
    const writer = new Y.Doc();
    writer.on('update', (u: Uint8Array) => {
      const before = Y.decodeStateVector(Y.encodeStateVector(relay));
      Y.applyUpdate(relay, u);
      const after = Y.decodeStateVector(Y.encodeStateVector(relay));
      const until = new Map([...after].filter(([c, clock]) => clock > (before.get(c) ?? 0)));
      segments.add(u, until, true);
    });
    writer.getArray('entries').push([{ id: 'a' }]);
    Y.applyUpdate(device, Y.encodeStateAsUpdate(relay)); // the device saw the first line
    writer.getArray('entries').push([{ id: 'b' }]);
    writer.getMap('fields').set('supplier', 'ACME');
    writer.getMap('fields').set('supplier', 'Other');
    for (const part of segments.missing(Y.decodeStateVector(Y.encodeStateVector(device)))) Y.applyUpdate(device, part);
    expect(device.toJSON()).toEqual(relay.toJSON());
    expect(Y.encodeStateAsUpdate(device)).toEqual(Y.encodeStateAsUpdate(relay));
  });
});

describe('StoredSegments.add', () => {
  it('keeps its own copy of every update, small or larger than a chunk, and gives them back intact', () => {
    const segments = new StoredSegments();
    segments.reset([], new Map(), null);
    const sizes = [1, 300, 5_000, 70_000, 2, 40_000, 64 * 1024, 3];
    const sent = sizes.map((size, k) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + k) % 251));
    const reused = new Uint8Array(80_000);
    sent.forEach((update, k) => {
      // The caller's buffer is overwritten after each add, as a socket's read buffer is.
      reused.set(update);
      segments.add(reused.subarray(0, update.byteLength), sv([[k + 1, 1]]), false);
      reused.fill(0);
    });
    expect(segments.missing(sv([]))).toEqual(sent);
    expect(segments.missing(sv(sizes.map((_, k) => [k + 1, 1] as [number, number])))).toEqual([]);
  });
});
