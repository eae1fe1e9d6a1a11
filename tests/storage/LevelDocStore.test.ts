import { afterEach, describe, expect, it } from 'vitest';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { runDocStoreAcceptance } from './docStoreAcceptance';
import { makeTempDir } from './support/tempDir';
import { lineUpdates, linesOf, mergedState, recordLines } from './support/yjsUpdates';

runDocStoreAcceptance('LevelDocStore', async () => {
  const { dir, remove } = await makeTempDir('store');
  const store = await LevelDocStore.open(dir);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await remove();
    },
  };
});

describe('LevelDocStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A store in a fresh temp dir; `reopen()` closes it and opens the same dir again. */
  async function openStore(): Promise<{ store: LevelDocStore; reopen: () => Promise<LevelDocStore> }> {
    const { dir, remove } = await makeTempDir('store');
    let store = await LevelDocStore.open(dir);
    cleanups.push(async () => {
      await store.close();
      await remove();
    });
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await LevelDocStore.open(dir);
        return store;
      },
    };
  }

  describe('close and open', () => {
    it('keeps every document and its order', async () => {
      const { store, reopen } = await openStore();
      const updates = lineUpdates(30);
      await Promise.all(updates.map((u, i) => store.append(`doc-${i % 3}`, u)));
      await store.compact('doc-0', mergedState(updates.filter((_, i) => i % 3 === 0)));
      const reopened = await reopen();
      expect(await reopened.load('doc-0')).toHaveLength(1);
      expect(await reopened.load('doc-1')).toEqual(updates.filter((_, i) => i % 3 === 1));
      expect(linesOf(await reopened.load('doc-0'))).toEqual(linesOf(updates.filter((_, i) => i % 3 === 0)));
    });

    it('continues the seqs of a document first touched by a write after reopening', async () => {
      const { store, reopen } = await openStore();
      const updates = lineUpdates(6);
      for (const u of updates.slice(0, 3)) await store.append('doc', u);
      await store.compact('doc', mergedState(updates.slice(0, 3)));
      await store.append('doc', updates[3]!);
      const reopened = await reopen();
      await reopened.append('doc', updates[4]!);
      expect(reopened.stats('doc').updates).toBe(3);
      await reopened.compact('doc', mergedState(updates.slice(0, 5)));
      await reopened.append('doc', updates[5]!);
      expect(await reopened.load('doc')).toEqual([mergedState(updates.slice(0, 5)), updates[5]]);
      expect(linesOf(await reopened.load('doc'))).toEqual(linesOf(updates));
    });

    it('opens a store of 10,000 documents without reading them', async () => {
      const { store, reopen } = await openStore();
      await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.append(`receipt-${i}`, new Uint8Array(64))));
      const reopened = await reopen();
      // Nothing per document was read at open: a document's metadata appears when it is first used.
      expect(reopened.stats('receipt-0')).toEqual({ updates: 0, bytes: 0 });
      expect(await reopened.load('receipt-9999')).toEqual([new Uint8Array(64)]);
      expect(reopened.stats('receipt-9999')).toEqual({ updates: 1, bytes: 64 });
      expect(reopened.stats('receipt-0')).toEqual({ updates: 0, bytes: 0 });
    });
  });

  describe('group commit', () => {
    it('writes 1000 concurrent appends in far fewer batches', async () => {
      const { store } = await openStore();
      const before = store.batchesWritten;
      await Promise.all(Array.from({ length: 1000 }, (_, i) => store.append(`doc-${i % 10}`, new Uint8Array([i % 256]))));
      expect(store.batchesWritten - before).toBeLessThan(20);
      expect(await store.load('doc-4')).toHaveLength(100);
    });

    it('batches writes that arrive while a batch is being written', async () => {
      const { store } = await openStore();
      const writers = Array.from({ length: 20 }, async (_, w) => {
        for (let i = 0; i < 25; i++) await store.append(`doc-${w}`, new Uint8Array([i]));
      });
      await Promise.all(writers);
      expect(store.batchesWritten).toBeLessThan(100);
      expect(await store.load('doc-7')).toHaveLength(25);
    });
  });

  describe('compaction', () => {
    it('loads a document of 20,000 small updates as one update once compacted, also after reopening', async () => {
      const { store, reopen } = await openStore();
      const { updates, state } = recordLines(20_000);
      await Promise.all(updates.map((u) => store.append('big', u)));
      expect(store.stats('big').updates).toBe(20_000);
      await store.compact('big', state);
      expect(await store.load('big')).toEqual([state]);
      const reopened = await reopen();
      const loaded = await reopened.load('big');
      expect(loaded).toEqual([state]);
      expect(linesOf(loaded)).toHaveLength(20_000);
      expect(reopened.stats('big')).toEqual({ updates: 1, bytes: state.byteLength });
    }, 60_000); // Yjs needs seconds to make 20,000 updates on a slow machine.
  });
});

