/**
 * Device storage in real Chromium IndexedDB, with the relay out of reach: what
 * a crew writes survives a reload (a new Y.Doc and a new IndexeddbPersistence
 * on the same database), and so do the pending/acknowledged counters.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import { IndexeddbDocPersistence } from '../../client/sync/IndexeddbDocPersistence';
import { addLines, collectingLog, lineIds, untilState } from '../client/syncFixtures';

const uniqueName = () => `receipt:browser-${crypto.randomUUID()}`;

describe('IndexeddbDocPersistence', () => {
  const clients: SyncClient[] = [];
  const offlineDevice = (): SyncClient => {
    const client = createSyncClient({
      url: inject('unreachableRelayUrl'),
      persistence: 'indexeddb',
      backoff: { minMs: 50, maxMs: 500 },
      log: collectingLog(),
    });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
  });

  /** Reads the database the way a reloaded tab would, without the sync core. */
  async function readRaw(name: string): Promise<{ lines: string[]; changeNo: unknown; acked: unknown }> {
    const doc = new Y.Doc();
    const idb = new IndexeddbPersistence(name, doc);
    await idb.whenSynced;
    const result = { lines: lineIds(doc), changeNo: await idb.get('tally:changeNo'), acked: await idb.get('tally:ackedChangeNo') };
    await idb.destroy();
    doc.destroy();
    return result;
  }

  it('keeps the lines and the pending count across a reload', async () => {
    const name = uniqueName();
    const first = offlineDevice();
    const doc = first.open(name);
    await doc.whenLoaded;
    addLines(doc.doc, 'scan', 5);
    const saved = await untilState(doc, (s) => s.savedOnDevice && s.changeNo === 5, 'saved on this device');
    expect(saved).toMatchObject({ pending: 5, onRelay: false, stuck: false });
    expect(first.status.get()).toMatchObject({ online: false, pendingTotal: 5, docsWithPending: [name] });
    await first.destroy();

    expect(await readRaw(name)).toEqual({ lines: ['scan:0', 'scan:1', 'scan:2', 'scan:3', 'scan:4'], changeNo: 5, acked: undefined });

    const reloaded = offlineDevice().open(name);
    await reloaded.whenLoaded;
    expect(lineIds(reloaded.doc)).toHaveLength(5);
    expect(reloaded.get()).toMatchObject({ changeNo: 5, ackedChangeNo: 0, pending: 5, savedOnDevice: true, onRelay: false });

    addLines(reloaded.doc, 'more', 1);
    await untilState(reloaded, (s) => s.savedOnDevice && s.changeNo === 6, 'the next change counted on top');
  });

  it("cooperates with y-indexeddb's compaction: 600 changes reload as 600 lines and 600 pending", async () => {
    const name = uniqueName();
    const first = offlineDevice();
    const doc = first.open(name);
    await doc.whenLoaded;
    addLines(doc.doc, 'scan', 600);
    await untilState(doc, (s) => s.savedOnDevice && s.changeNo === 600, 'all saved');
    const persistence = new IndexeddbPersistence(name, new Y.Doc());
    await persistence.whenSynced;
    await untilStored(persistence, (n) => n < 600);
    await persistence.destroy();
    await first.destroy();

    const raw = await readRaw(name);
    expect(raw.lines).toHaveLength(600);
    expect(raw.changeNo).toBe(600);
    const reloaded = offlineDevice().open(name);
    await reloaded.whenLoaded;
    expect(reloaded.get()).toMatchObject({ changeNo: 600, pending: 600 });
  });

  it('merges what was written since a big stored state, leaving that state as it is, and reloads every line', async () => {
    const name = uniqueName();
    const first = offlineDevice();
    const doc = first.open(name);
    await doc.whenLoaded;
    // A big state stored first (the site document as a shift start brings it), larger than one merge decodes.
    doc.doc.transact(() => addLines(doc.doc, `index-${'x'.repeat(100)}`, 3_000));
    await untilState(doc, (s) => s.savedOnDevice && s.changeNo === 1, 'the big state saved');
    const before = await storedUpdates(name);
    const base = before.reduce((a, b) => (b.byteLength > a.byteLength ? b : a));
    // Then 600 small changes, one update each: past the trim size.
    addLines(doc.doc, 'scan', 600);
    await untilState(doc, (s) => s.savedOnDevice && s.changeNo === 601, 'all saved');
    await eventually(async () => (await storedUpdates(name)).length <= before.length + 1, 10_000, 'the small updates merged');
    const after = await storedUpdates(name);
    // The big state is still stored byte for byte: the merge did not decode it again.
    expect(after.some((u) => u.byteLength === base.byteLength && u.every((b, i) => b === base[i]))).toBe(true);
    await first.destroy();

    const raw = await readRaw(name);
    expect(raw.lines).toHaveLength(3_600);
    expect(raw.changeNo).toBe(601);
  });

  it('merges small updates beyond one merge\'s budget too, a merge at a time, and reloads every line', async () => {
    const name = uniqueName();
    const first = offlineDevice();
    const doc = first.open(name);
    await doc.whenLoaded;
    // 600 changes of about 1 KB each: more than one merge takes.
    addLines(doc.doc, `long-${'y'.repeat(1_000)}`, 600);
    await untilState(doc, (s) => s.savedOnDevice && s.changeNo === 600, 'all saved');
    // A merge takes at most 100 updates: 600 become a few pieces, not 600 rows.
    await eventually(async () => (await storedUpdates(name)).length <= 8, 20_000, 'the small updates merged');
    await first.destroy();

    const raw = await readRaw(name);
    expect(raw.lines).toHaveLength(600);
    expect(raw.changeNo).toBe(600);
  });

  it('discard deletes the database, open or not; the document opens again empty', async () => {
    const [open, closed] = [uniqueName(), uniqueName()];
    const client = offlineDevice();
    for (const name of [open, closed]) {
      const doc = client.open(name);
      await doc.whenLoaded;
      addLines(doc.doc, 'scan', 3);
      await untilState(doc, (s) => s.savedOnDevice, 'saved');
    }
    await client.close(closed);
    const databases = async () => (await indexedDB.databases()).map((d) => d.name);
    expect(await databases()).toEqual(expect.arrayContaining([open, closed]));

    await client.discard(open);
    await client.discard(closed);
    expect(await databases()).not.toContain(open);
    expect(await databases()).not.toContain(closed);
    const again = client.open(open);
    await again.whenLoaded;
    expect(again.get()).toMatchObject({ changeNo: 0, pending: 0 });
    expect(lineIds(again.doc)).toEqual([]);
  });

  it('keeps the relay store that gave the ack beside it, and reads a database written before it as not known', async () => {
    const name = uniqueName();
    const first = new IndexeddbDocPersistence(name, new Y.Doc());
    expect(await first.load()).toEqual({ changeNo: 0, ackedChangeNo: 0, ackedBy: null });
    await first.storeUpdate(Y.encodeStateAsUpdate(new Y.Doc()), 2);
    await first.storeCounters({ ackedChangeNo: 2 });
    await first.destroy();
    // As the app before store identities wrote it: an ack with no store beside it.
    const before = new IndexeddbDocPersistence(name, new Y.Doc());
    expect(await before.load()).toEqual({ changeNo: 2, ackedChangeNo: 2, ackedBy: null });
    await before.storeCounters({ ackedChangeNo: 2, ackedBy: '0123456789abcdef0123456789abcdef' });
    await before.destroy();
    const after = new IndexeddbDocPersistence(name, new Y.Doc());
    expect(await after.load()).toEqual({ changeNo: 2, ackedChangeNo: 2, ackedBy: '0123456789abcdef0123456789abcdef' });
    await after.clear();
  });
});

/** Bounded poll of the number of stored update rows (compaction runs on y-indexeddb's own timer). */
/** The updates stored for document `name`, oldest first, read straight from IndexedDB. */
async function storedUpdates(name: string): Promise<Uint8Array[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    return await new Promise<Uint8Array[]>((resolve, reject) => {
      const request = db.transaction('updates', 'readonly').objectStore('updates').getAll();
      request.onsuccess = () => resolve(request.result as Uint8Array[]);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

async function untilStored(idb: IndexeddbPersistence, check: (rows: number) => boolean, timeoutMs = 10_000): Promise<void> {
  let rows = -1;
  const count = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const request = idb.db!.transaction('updates', 'readonly').objectStore('updates').count();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  await eventually(async () => check((rows = await count())), timeoutMs, () => `stored rows to settle (still ${rows})`);
}
