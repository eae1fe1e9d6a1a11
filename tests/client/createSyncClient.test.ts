/**
 * The sync client against the real relay (relay/createRelay.ts) over a real
 * LevelDocStore in a temp folder, with real `ws` sockets on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../../client/sync/createSyncClient';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { waitFor } from '../../client/sync/waitFor';
import { readMuxFrame } from '../../shared/protocol/muxMessages';
import { recordingWebSocket } from './recordingWebSocket';
import { HoldingStore, startRelayFixture, type RelayFixture } from './relayFixture';
import { addLines, collectingLog, lineIds, totalQty, untilDoc, untilState } from './syncFixtures';

const RECEIPT = 'receipt:R-1001';

describe('createSyncClient with the real relay', () => {
  const fixtures: RelayFixture[] = [];
  const clients: SyncClient[] = [];

  const relay = async (options?: Parameters<typeof startRelayFixture>[0]) => {
    const f = await startRelayFixture(options);
    fixtures.push(f);
    return f;
  };
  const device = (fixture: RelayFixture, options: Partial<SyncClientOptions> = {}): SyncClient => {
    const client = createSyncClient({
      url: fixture.url,
      WebSocketImpl: WebSocket as never,
      persistence: new MemoryDevice().persistence,
      backoff: { minMs: 20, maxMs: 200 },
      log: collectingLog(),
      ...options,
    });
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    for (const f of fixtures.splice(0)) await f.cleanup();
  });

  describe('open', () => {
    it('converges two devices that received the same item offline: 50 + 30 = 80 everywhere', async () => {
      const f = await relay();
      const a = device(f).open(RECEIPT);
      const b = device(f).open(RECEIPT);
      await Promise.all([a.whenLoaded, b.whenLoaded]);
      clients[0]!.connection.disconnect();
      clients[1]!.connection.disconnect();
      addLines(a.doc, 'dock1', 5, 10);
      addLines(b.doc, 'dock2', 3, 10);
      expect(a.get().pending).toBe(5);
      expect(b.get().pending).toBe(3);
      clients[0]!.connection.reconnectNow();
      clients[1]!.connection.reconnectNow();
      await untilDoc(a.doc, totalQty, (q) => q === 80, 'device A at 80');
      await untilDoc(b.doc, totalQty, (q) => q === 80, 'device B at 80');
      await untilState(a, (s) => s.onRelay, 'A on the relay');
      await untilState(b, (s) => s.onRelay, 'B on the relay');
      expect(lineIds(a.doc)).toEqual(lineIds(b.doc));
      expect(lineIds(a.doc)).toHaveLength(8);

      // Live edits flow too while both are connected.
      addLines(b.doc, 'dock2-late', 1, 5);
      await untilDoc(a.doc, totalQty, (q) => q === 85, 'device A sees the live edit');

      await untilState(b, (s) => s.onRelay, 'B on the relay again');
      for (const c of clients.splice(0)) await c.destroy();
      await f.stop();
      const onDisk = await f.readFromDisk(RECEIPT);
      expect(totalQty(onDisk)).toBe(85);
      expect(lineIds(onDisk)).toEqual(lineIds(a.doc));
    });
  });

  describe('acknowledgements', () => {
    it("are not sent while the relay's write is not on disk, and follow its fsync", async () => {
      let holding!: HoldingStore;
      const f = await relay({
        limits: { pingIntervalMs: 40 },
        wrapStore: (store) => (holding = new HoldingStore(store)),
      });
      const rec = recordingWebSocket();
      const client = device(f, { WebSocketImpl: rec.Impl });
      const doc = client.open(RECEIPT);
      await untilState(doc, (s) => s.live, 'live');
      const received: Array<{ type: string; at: number }> = [];
      rec.sockets[0]!.ws.on('message', (data: ArrayBuffer) => {
        received.push({ type: readMuxFrame(new Uint8Array(data)).type, at: performance.now() });
      });

      holding.hold();
      try {
        addLines(doc.doc, 'a', 3);
        await untilCount(() => holding.heldCount, 3, 'three held appends');
        // Three heartbeats after the relay got the changes: an ack, if any, would have come before them.
        const heldSince = received.length;
        await untilCount(() => received.slice(heldSince).filter((r) => r.type === 'status').length, 3, 'three heartbeats');
        expect(received.some((r) => r.type === 'ack')).toBe(false);
        expect(doc.get()).toMatchObject({ pending: 3, onRelay: false, ackedChangeNo: 0 });
      } finally {
        holding.release();
      }
      await untilState(doc, (s) => s.onRelay, 'on the relay after the fsync');
      const lastStored = holding.stored.at(-1)!.at;
      const firstAck = received.find((r) => r.type === 'ack')!.at;
      expect(firstAck).toBeGreaterThanOrEqual(lastStored);

      for (const c of clients.splice(0)) await c.destroy();
      await f.stop();
      expect(lineIds(await f.readFromDisk(RECEIPT))).toEqual(['a:0', 'a:1', 'a:2']);
    });
  });

  describe('reconnect', () => {
    it('after a relay restart sends only what the relay lacks', async ({ annotate }) => {
      const f = await relay();
      const rec = recordingWebSocket();
      const client = device(f, { WebSocketImpl: rec.Impl });
      const doc = client.open(RECEIPT);
      await doc.whenLoaded;
      for (let i = 0; i < 300; i++) {
        doc.doc.getArray('lines').push([{ id: `line:${i}`, qty: 1, note: `pallet ${i} of supplier ACME, lot L-${1000 + i}` }]);
      }
      await untilState(doc, (s) => s.onRelay, 'on the relay');

      await f.stop();
      await waitFor(client.connection, (s) => !s.online, 5000);
      addLines(doc.doc, 'offline', 1);
      expect(doc.get()).toMatchObject({ pending: 1, stuck: false });
      const socketsBefore = rec.sockets.length;
      await f.start();
      await untilState(doc, (s) => s.onRelay, 'on the relay after the restart', 15_000);

      const docBytes = Y.encodeStateAsUpdate(doc.doc).byteLength;
      const sentAfter = rec.bytesSent(socketsBefore);
      await annotate(`document ${docBytes} bytes; sent after reconnect ${sentAfter} bytes over ${rec.sockets.length - socketsBefore} socket(s)`);
      expect(sentAfter).toBeLessThan(docBytes / 20);

      const reader = device(f).open(RECEIPT);
      await untilDoc(reader.doc, (d) => d.getArray('lines').length, (n) => n === 301, 'a second device sees all 301 lines');
    });
  });

  describe('flushAndWait', () => {
    it('resolves when everything is acknowledged, or reports exactly what is pending', async () => {
      const f = await relay();
      const client = device(f);
      const one = client.open('receipt:R-1');
      const two = client.open('receipt:R-2');
      await Promise.all([one.whenLoaded, two.whenLoaded]);
      addLines(one.doc, 'a', 4);
      addLines(two.doc, 'b', 1);
      const done = await client.flushAndWait(10_000);
      expect(done).toMatchObject({ ok: true, online: true, remaining: [] });

      await f.stop();
      await waitFor(client.connection, (s) => !s.online, 5000);
      addLines(two.doc, 'c', 2);
      const report = await client.flushAndWait(300);
      expect(report).toMatchObject({ ok: false, online: false });
      expect(report.remaining).toEqual([
        { doc: 'receipt:R-2', pending: 2, savedOnDevice: true, stuckReason: null, lastError: null },
      ]);
      expect(report.lastError?.message).toMatch(/relay closed the connection|ECONNREFUSED|relay/);
      expect(report.elapsedMs).toBeGreaterThanOrEqual(290);

      await f.start();
      const after = await client.flushAndWait(15_000);
      expect(after).toMatchObject({ ok: true, online: true, remaining: [] });
    });
  });

  describe('destroy', () => {
    it('releases every listener, timer and socket it added', async () => {
      const f = await relay();
      const timersBefore = activeTimers();
      const rec = recordingWebSocket();
      const client = device(f, { WebSocketImpl: rec.Impl, watchdogMs: 60_000 });
      const docs = ['receipt:R-1', 'receipt:R-2', 'count:C-1'].map((name) => client.open(name));
      await Promise.all(docs.map((d) => d.whenLoaded));
      client.status.subscribe(() => {});
      for (const d of docs) {
        d.subscribe(() => {});
        addLines(d.doc, 'x', 1);
      }
      await client.flushAndWait(10_000);
      addLines(docs[0]!.doc, 'y', 1);
      expect(f.relay!.stats().connections).toBe(1);

      await client.destroy();
      clients.splice(clients.indexOf(client), 1);
      expect(client.connection.debugCounts()).toEqual({ handlers: 0, listeners: 0, timers: 0, socket: false });
      expect(client.status.debugCounts()).toEqual({ listeners: 0, docs: 0 });
      for (const d of docs) expect(d.debugCounts()).toEqual({ listeners: 0, timers: 0 });
      const ws = rec.sockets[0]!.ws;
      await untilCount(() => (ws.readyState === WebSocket.CLOSED ? 1 : 0), 1, 'socket closed');
      expect(rec.listenerCount(ws)).toBe(0);
      await untilCount(() => f.relay!.stats().connections, 0, 'relay sees no connection');
      // The relay keeps its own timers (idle eviction) until it stops; what is left after that is ours.
      await f.stop();
      expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    });
  });
});

/** Active Node timers (setTimeout/setInterval handles) in this process. */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Bounded poll for values that have no event to wait on (relay stats, socket state). */
function untilCount(read: () => number, expected: number, what: string, timeoutMs = 5000): Promise<void> {
  return eventually(() => read() === expected, timeoutMs, () => `${what}: have ${read()}, want ${expected}`);
}
