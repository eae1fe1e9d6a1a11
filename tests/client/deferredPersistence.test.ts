/**
 * Device storage opened after a gate (the app's first records list): nothing
 * is read before it, and nothing written meanwhile is lost or reordered.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deferredPersistence } from '../../client/sync/deferredPersistence';
import type { DocPersistenceFactory } from '../../client/sync/DocPersistence';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';

const DOC = 'record:r1';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A device whose storage of DOC already holds one update, and a factory counting the storages it made. */
function deviceWithStoredDoc(): { device: MemoryDevice; made: () => number; factory: DocPersistenceFactory } {
  const device = new MemoryDevice();
  const earlier = new Y.Doc();
  earlier.getArray('a').push(['stored']);
  device.record(DOC).updates.push(Y.encodeStateAsUpdate(earlier));
  device.record(DOC).changeNo = 1;
  let count = 0;
  const factory: DocPersistenceFactory = (name, doc) => {
    count += 1;
    return device.persistence(name, doc);
  };
  return { device, made: () => count, factory };
}

describe('deferredPersistence', () => {
  it('reads nothing before the gate, then loads the stored state', async () => {
    const { made, factory } = deviceWithStoredDoc();
    const { promise, open } = gate();
    const doc = new Y.Doc();
    const storage = deferredPersistence(promise, factory)(DOC, doc);
    const loaded = storage.load();
    await new Promise((r) => setTimeout(r, 20));
    expect(made()).toBe(0);
    expect(doc.getArray('a').toArray()).toEqual([]);
    open();
    expect(await loaded).toMatchObject({ changeNo: 1, ackedChangeNo: 0 });
    expect(doc.getArray('a').toArray()).toEqual(['stored']);
    expect(storage.origin).toBeDefined();
  });

  it('keeps writes issued before the gate, in call order, and resolves them only once stored', async () => {
    const { device, factory } = deviceWithStoredDoc();
    const { promise, open } = gate();
    const doc = new Y.Doc();
    const storage = deferredPersistence(promise, factory)(DOC, doc);
    const updates = ['one', 'two', 'three'].map((text) => {
      const d = new Y.Doc();
      d.getArray('a').push([text]);
      return Y.encodeStateAsUpdate(d);
    });
    let stored = 0;
    const writes = updates.map((u, i) => storage.storeUpdate(u, 2 + i).then(() => (stored += 1)));
    const counters = storage.storeCounters({ ackedChangeNo: 1 });
    void storage.load();
    await new Promise((r) => setTimeout(r, 20));
    expect(stored).toBe(0);
    open();
    await Promise.all([...writes, counters]);
    expect(device.record(DOC).updates.slice(1)).toEqual(updates);
    expect(device.record(DOC)).toMatchObject({ changeNo: 4, ackedChangeNo: 1 });
  });

  it.each([
    ['released before the gate: never opened, the stored state stays', 'destroy', 0, 1],
    ['cleared before the gate: opened once the gate settles, and emptied', 'clear', 1, 0],
  ] as const)('%s', async (_name, how, opened, left) => {
    const { device, made, factory } = deviceWithStoredDoc();
    const { promise, open } = gate();
    const storage = deferredPersistence(promise, factory)(DOC, new Y.Doc());
    const done = how === 'destroy' ? storage.destroy() : storage.clear();
    open();
    await done;
    expect(made()).toBe(opened);
    expect(device.record(DOC).updates).toHaveLength(left);
  });

  it('opens the storage also when the gate fails', async () => {
    const { factory } = deviceWithStoredDoc();
    const doc = new Y.Doc();
    const storage = deferredPersistence(Promise.reject(new Error('list never shown')), factory)(DOC, doc);
    await storage.load();
    expect(doc.getArray('a').toArray()).toEqual(['stored']);
  });
});
