/**
 * The sync client's bulk API against the real relay over a real LevelDB:
 * `fetchStates` streams many records' state in order-preserving, awaited
 * batches and resumes after an abort or a dropped link; `watchChanges`
 * names changed records without opening them, also after a relay restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import type { FetchedState } from '../../client/sync/StatesFetcher';
import { waitFor } from '../../client/sync/waitFor';
import { toMuxUrl } from '../../client/sync/muxUrl';
import { connectRaw, type RawClient } from '../support/rawClient';
import { addLine, hasNoStructs, NOTHING, seedReceipts, testAuthor, type SeededRecord } from '../support/feedClient';
import type { Author } from '../../shared/model/author';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { collectingLog } from './syncFixtures';

/** The record's entries and meta as the device reads them. */
const contentOf = (doc: Y.Doc): unknown => ({ meta: doc.getMap('meta').toJSON(), entries: doc.getArray('entries').toJSON() });

describe('the bulk API of the sync client', () => {
  let f: RelayFixture;
  let client: SyncClient;
  let writer: RawClient;
  let author: Author;
  let records: SeededRecord[];
  const raws: RawClient[] = [];
  const connectWriter = async (): Promise<RawClient> => {
    const c = await connectRaw(toMuxUrl(f.url, { device: 'seeder' }));
    raws.push(c);
    return c;
  };
  const online = async (): Promise<void> => {
    expect(await waitFor(client.connection, (s) => s.online, 10_000)).toBe(true);
  };

  beforeEach(async () => {
    f = await startRelayFixture();
    writer = await connectWriter();
    author = testAuthor('ann', 'seeder');
    records = await seedReceipts(writer, author, { count: 200, lines: 10 });
    client = createSyncClient({ url: f.url, WebSocketImpl: WebSocket as never, persistence: 'none', backoff: { minMs: 20, maxMs: 200 }, log: collectingLog() });
    await online();
  }, 60_000);
  afterEach(async () => {
    await client.destroy();
    for (const c of raws.splice(0)) c.close();
    await f.cleanup();
  });

  describe('fetchStates', () => {
    it('hands over every record in order, batch by batch, each awaited before the next', async () => {
      const batches: FetchedState[][] = [];
      let inside = false;
      const result = await client.fetchStates({
        docs: records.map((r) => ({ name: r.name, stateVector: NOTHING })),
        onBatch: async (batch) => {
          expect(inside).toBe(false);
          inside = true;
          batches.push(batch);
          // A slow device write.
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside = false;
        },
      });
      expect(result).toEqual({ complete: true });
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.flat().map((s) => s.name)).toEqual(records.map((r) => r.name));
      for (const [i, state] of batches.flat().entries()) {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, state.update);
        expect(contentOf(doc)).toEqual(contentOf(records[i]!.doc));
      }
    });

    it('ends incomplete when aborted, and a second call with the new state vectors fetches only the rest', async () => {
      const held = new Map<string, Y.Doc>();
      const keep = (batch: FetchedState[]): void => {
        for (const { name, update } of batch) {
          const doc = held.get(name) ?? new Y.Doc();
          Y.applyUpdate(doc, update);
          held.set(name, doc);
        }
      };
      const controller = new AbortController();
      let firstBatches = 0;
      const first = await client.fetchStates({
        docs: records.map((r) => ({ name: r.name, stateVector: NOTHING })),
        onBatch: (batch) => {
          firstBatches++;
          keep(batch);
          controller.abort();
        },
        signal: controller.signal,
      });
      expect(first).toEqual({ complete: false });
      expect(firstBatches).toBe(1);
      const fromFirst = new Set(held.keys());
      expect(fromFirst.size).toBeGreaterThan(0);
      expect(fromFirst.size).toBeLessThan(records.length);

      const sentTwice: string[] = [];
      const second = await client.fetchStates({
        docs: records.map((r) => ({ name: r.name, stateVector: held.has(r.name) ? Y.encodeStateVector(held.get(r.name)!) : NOTHING })),
        onBatch: (batch) => {
          for (const { name, update } of batch) if (fromFirst.has(name) && !hasNoStructs(update)) sentTwice.push(name);
          keep(batch);
        },
      });
      expect(second).toEqual({ complete: true });
      expect(sentTwice).toEqual([]);
      for (const r of records) expect(contentOf(held.get(r.name)!)).toEqual(contentOf(r.doc));
    });

    it('ends incomplete when the link drops, hands over nothing after, and completes once back online', async () => {
      let batches = 0;
      const first = await client.fetchStates({
        docs: records.map((r) => ({ name: r.name, stateVector: NOTHING })),
        onBatch: async () => {
          batches++;
          client.connection.disconnect();
          await waitFor(client.connection, (s) => !s.online, 5_000);
        },
      });
      expect(first).toEqual({ complete: false });
      expect(batches).toBe(1);
      // Offline, a call ends at once, incomplete.
      expect(await client.fetchStates({ docs: [{ name: records[0]!.name, stateVector: NOTHING }], onBatch: () => {} })).toEqual({ complete: false });

      client.connection.reconnectNow();
      await online();
      const names: string[] = [];
      const again = await client.fetchStates({
        docs: records.map((r) => ({ name: r.name, stateVector: NOTHING })),
        onBatch: (batch) => void names.push(...batch.map((s) => s.name)),
      });
      expect(again).toEqual({ complete: true });
      expect(names).toEqual(records.map((r) => r.name));
    });

    it('completes many calls made at once (the relay lets only a few fetches wait per socket)', async () => {
      const calls = Array.from({ length: 12 }, (_, k) => {
        const names: string[] = [];
        const docs = records.slice(k * 10, k * 10 + 10).map((r) => ({ name: r.name, stateVector: NOTHING }));
        return client.fetchStates({ docs, onBatch: (batch) => void names.push(...batch.map((s) => s.name)) }).then((result) => ({ result, names, docs }));
      });
      for (const { result, names, docs } of await Promise.all(calls)) {
        expect(result).toEqual({ complete: true });
        expect(names).toEqual(docs.map((d) => d.name));
      }
      expect(client.connection.get().online).toBe(true);
    });

    it('rejects when onBatch throws', async () => {
      await expect(
        client.fetchStates({
          docs: records.slice(0, 3).map((r) => ({ name: r.name, stateVector: NOTHING })),
          onBatch: () => {
            throw new Error('disk full');
          },
        }),
      ).rejects.toThrow('disk full');
    });
  });

  describe('watchChanges', () => {
    it('names a changed record without opening it, again after a relay restart, and stops when told', async () => {
      const watched = records.slice(0, 20);
      const heard: string[][] = [];
      const waiting = new Map<string, () => void>();
      const heardNext = (name: string): Promise<void> => new Promise((resolve) => waiting.set(name, resolve));
      const stop = client.watchChanges(
        watched.map((r) => r.name),
        (names) => {
          heard.push(names);
          for (const name of names) waiting.get(name)?.();
        },
      );
      const first = heardNext(watched[4]!.name);
      await addLine(writer, author, watched[4]!);
      await first;
      expect(heard).toEqual([[watched[4]!.name]]);
      expect(client.get(watched[4]!.name)).toBeUndefined();

      // The relay restarts: the watch set is sent again on the new socket.
      await f.stop();
      await f.start();
      await online();
      writer = await connectWriter();
      const second = heardNext(watched[7]!.name);
      await addLine(writer, author, watched[7]!);
      await second;

      stop();
      const other: string[][] = [];
      const otherHeard = new Promise<void>((resolve) =>
        client.watchChanges([watched[9]!.name], (names) => {
          other.push(names);
          resolve();
        }),
      );
      await addLine(writer, author, watched[9]!);
      await otherHeard;
      expect(other).toEqual([[watched[9]!.name]]);
      expect(heard.flat()).not.toContain(watched[9]!.name);
    });

    it('adds a later caller\'s records to the relay\'s set, and drops only the names nobody watches any more', async () => {
      const watchedDocs = (): number => f.relay!.stats().watchedDocs;
      // A shift start watches batch after batch: 50 records, then 50 more, one of them watched twice.
      const first = client.watchChanges(records.slice(0, 50).map((r) => r.name), () => undefined);
      await expect.poll(watchedDocs).toBe(50);
      const heard: string[] = [];
      const secondHeard = new Promise<void>((resolve) =>
        client.watchChanges(records.slice(49, 100).map((r) => r.name), (names) => {
          heard.push(...names);
          resolve();
        }),
      );
      await expect.poll(watchedDocs).toBe(100);
      first();
      // Record 49 is still watched by the second caller.
      await expect.poll(watchedDocs).toBe(51);
      await addLine(writer, author, records[49]!);
      await secondHeard;
      expect(heard).toEqual([records[49]!.name]);
    });
  });
});
