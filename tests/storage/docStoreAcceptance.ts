/**
 * The DocStore contract (shared/DocStore.ts) as one suite that every
 * implementation runs: `runDocStoreAcceptance('LevelDocStore', setup)`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DocStore } from '../../relay/storage/DocStore';
import { lineUpdates, linesOf, mergedState } from './support/yjsUpdates';

/** A store under test and how to dispose of it (called even if the test closed the store). */
export interface DocStoreFixture {
  store: DocStore;
  cleanup: () => Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

async function namesOf(store: DocStore): Promise<string[]> {
  const names: string[] = [];
  for await (const name of store.listDocs()) names.push(name);
  return names;
}

/** Registers the acceptance suite for the store made by `setup`. */
export function runDocStoreAcceptance(name: string, setup: () => Promise<DocStoreFixture>): void {
  describe(`${name}: DocStore acceptance`, () => {
    let store: DocStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await setup());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('load', () => {
      it('yields [] for an unknown document', async () => {
        expect(await store.load('nobody')).toEqual([]);
      });

      it('returns appended updates in append order', async () => {
        await store.append('doc', bytes(1));
        await store.append('doc', bytes(2, 2));
        await store.append('doc', bytes(3, 3, 3));
        expect(await store.load('doc')).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3)]);
      });

      it('keeps documents whose names prefix each other apart', async () => {
        const names = ['a', 'a/b', 'a.b', 'a:b', 'a-b', 'ab'];
        await Promise.all(names.map((doc, i) => store.append(doc, bytes(i))));
        for (const [i, doc] of names.entries()) expect(await store.load(doc)).toEqual([bytes(i)]);
      });

      it('includes writes accepted but not yet durable', async () => {
        await store.append('doc', bytes(1));
        const pending = [store.append('doc', bytes(2)), store.compact('other', bytes(9)), store.append('doc', bytes(3))];
        expect(await store.load('doc')).toEqual([bytes(1), bytes(2), bytes(3)]);
        expect(await store.load('other')).toEqual([bytes(9)]);
        await Promise.all(pending);
      });
    });

    describe('loadDurable', () => {
      it('yields [] for an unknown document', async () => {
        expect(await store.loadDurable('nobody')).toEqual([]);
      });

      it('reads what load reads once the writes are durable, compactions included', async () => {
        await store.append('doc', bytes(1));
        await store.append('doc', bytes(2, 2));
        expect(await store.loadDurable('doc')).toEqual([bytes(1), bytes(2, 2)]);
        await store.compact('doc', bytes(7));
        await store.append('doc', bytes(8));
        expect(await store.loadDurable('doc')).toEqual([bytes(7), bytes(8)]);
        expect(await store.loadDurable('doc')).toEqual(await store.load('doc'));
      });

      it('reads a durable prefix of what load reads while writes are pending', async () => {
        await store.append('doc', bytes(1));
        const pending = store.append('doc', bytes(2));
        const durable = await store.loadDurable('doc');
        // Whether the pending write made it to disk before the read is a race; never beyond what was written.
        expect([[bytes(1)], [bytes(1), bytes(2)]]).toContainEqual(durable);
        await pending;
        expect(await store.loadDurable('doc')).toEqual([bytes(1), bytes(2)]);
      });
    });

    describe('append', () => {
      it('resolves concurrent appends to many documents in call order', async () => {
        const resolved: number[] = [];
        const writes = Array.from({ length: 200 }, (_, i) =>
          store.append(`doc-${i % 7}`, bytes(i % 256)).then(() => resolved.push(i)),
        );
        await Promise.all(writes);
        expect(resolved).toEqual(Array.from({ length: 200 }, (_, i) => i));
        expect(await store.load('doc-3')).toEqual(
          Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 7 === 3).map((i) => bytes(i % 256)),
        );
      });

      it('rejects an invalid document name and keeps working', async () => {
        for (const bad of ['', 'a\x00b', 'with space', '../up', 'x'.repeat(201)]) {
          await expect(store.append(bad, bytes(1))).rejects.toThrow(/invalid document name/);
        }
        await store.append('fine', bytes(1));
        expect(await store.load('fine')).toEqual([bytes(1)]);
      });
    });

    describe('compact', () => {
      it('replaces the log with one merged state that keeps every line', async () => {
        const updates = lineUpdates(50);
        await Promise.all(updates.map((u) => store.append('doc', u)));
        await store.compact('doc', mergedState(updates));
        const loaded = await store.load('doc');
        expect(loaded).toHaveLength(1);
        expect(linesOf(loaded)).toEqual(linesOf(updates));
        expect(store.stats('doc').updates).toBe(1);
      });

      it('keeps appends made after the compaction, after the state', async () => {
        const updates = lineUpdates(10);
        for (const u of updates.slice(0, 6)) await store.append('doc', u);
        await store.compact('doc', mergedState(updates.slice(0, 6)));
        for (const u of updates.slice(6)) await store.append('doc', u);
        const loaded = await store.load('doc');
        expect(loaded).toHaveLength(5);
        expect(linesOf(loaded)).toEqual(linesOf(updates));
      });

      it('covers appends called before it even when not yet durable', async () => {
        const updates = lineUpdates(5);
        const writes = [
          ...updates.slice(0, 4).map((u) => store.append('doc', u)),
          store.compact('doc', mergedState(updates.slice(0, 4))),
          store.append('doc', updates[4]!),
        ];
        await Promise.all(writes);
        const loaded = await store.load('doc');
        expect(loaded).toEqual([mergedState(updates.slice(0, 4)), updates[4]]);
        expect(linesOf(loaded)).toEqual(linesOf(updates));
      });

      it('stores the state of a document that had no updates', async () => {
        const state = mergedState(lineUpdates(3));
        await store.compact('fresh', state);
        expect(await store.load('fresh')).toEqual([state]);
        await store.append('fresh', bytes(7));
        expect(await store.load('fresh')).toEqual([state, bytes(7)]);
      });

      it('compacts again after more appends', async () => {
        const updates = lineUpdates(9);
        for (const round of [0, 3, 6]) {
          await Promise.all(updates.slice(round, round + 3).map((u) => store.append('doc', u)));
          await store.compact('doc', mergedState(updates.slice(0, round + 3)));
        }
        const loaded = await store.load('doc');
        expect(loaded).toHaveLength(1);
        expect(linesOf(loaded)).toEqual(linesOf(updates));
      });

      it('leaves other documents alone', async () => {
        await Promise.all([store.append('a', bytes(1)), store.append('a/b', bytes(2)), store.append('a.b', bytes(3))]);
        await store.compact('a', bytes(10));
        expect(await store.load('a')).toEqual([bytes(10)]);
        expect(await store.load('a/b')).toEqual([bytes(2)]);
        expect(await store.load('a.b')).toEqual([bytes(3)]);
      });
    });

    describe('stats', () => {
      it('counts updates and bytes through appends and compaction', async () => {
        expect(store.stats('doc')).toEqual({ updates: 0, bytes: 0 });
        await store.load('doc');
        await store.append('doc', bytes(1, 2, 3));
        await store.append('doc', bytes(4, 5));
        expect(store.stats('doc')).toEqual({ updates: 2, bytes: 5 });
        await store.compact('doc', bytes(1, 2, 3, 4));
        expect(store.stats('doc')).toEqual({ updates: 1, bytes: 4 });
        await store.append('doc', bytes(9));
        expect(store.stats('doc')).toEqual({ updates: 2, bytes: 5 });
      });
    });

    describe('listDocs', () => {
      it('lists nothing for an empty store', async () => {
        expect(await namesOf(store)).toEqual([]);
      });

      it('lists each document once, in name order', async () => {
        const names = ['z', 'a/b', 'a', 'site:items', 'a.b', 'receipt-0042', 'A'];
        for (const doc of names) {
          await Promise.all([store.append(doc, bytes(1)), store.append(doc, bytes(2))]);
        }
        await store.compact('a', bytes(3));
        expect(await namesOf(store)).toEqual([...names].sort());
      });

      it('pages through many documents', async () => {
        const names = Array.from({ length: 600 }, (_, i) => `doc-${String(i).padStart(4, '0')}`);
        await Promise.all(names.map((doc) => store.append(doc, bytes(1))));
        expect(await namesOf(store)).toEqual(names);
      });
    });

    describe('flush', () => {
      it('resolves at once when nothing is pending', async () => {
        await store.flush();
      });

      it('resolves only after every accepted write is durable', async () => {
        let durable = 0;
        for (let i = 0; i < 50; i++) void store.append(`doc-${i % 3}`, bytes(i)).then(() => durable++);
        void store.compact('doc-1', bytes(0)).then(() => durable++);
        await store.flush();
        expect(durable).toBe(51);
        expect(store.health().pendingWrites).toBe(0);
      });
    });

    describe('health', () => {
      it('is ok with nothing pending when idle, and announces nothing while healthy', async () => {
        const seen: unknown[] = [];
        const unsubscribe = store.onHealthChange((health) => seen.push(health));
        await store.append('doc', bytes(1));
        expect(store.health()).toEqual({ ok: true, pendingWrites: 0 });
        expect(seen).toEqual([]);
        unsubscribe();
      });
    });

    describe('close', () => {
      it('makes pending writes durable first and refuses writes after', async () => {
        const write = store.append('doc', bytes(1));
        await store.close();
        await write;
        await expect(store.append('doc', bytes(2))).rejects.toThrow(/closed/);
      });
    });
  });
}
