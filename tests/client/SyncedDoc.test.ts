/**
 * SyncedDoc against a relay double that answers only what each test tells it
 * to (see silentRelay.ts): change counting, what is sent on the relay's sync
 * step 1, the watchdog, refusals, device storage and release; and a refusal
 * by the real relay (relay/createRelay.ts over LevelDB), end to end.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../../client/sync/createSyncClient';
import type { DocPersistenceFactory } from '../../client/sync/DocPersistence';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { UnloadRescue } from '../../client/sync/UnloadRescue';
import { waitFor } from '../../client/sync/waitFor';
import { addReceiveLine, createAuthor, createReceipt, readRecord } from '../../shared/model';
import { readMuxFrame, writeAckFrame, writeDocFrame, writeErrorFrame, writeStatusFrame, type ChangeFrame, type MuxFrame } from '../../shared/protocol/muxMessages';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { startSilentRelay, type SilentRelay } from './silentRelay';
import { addLines, collectingLog, lineIds, syncStep1, syncStep2, untilState } from './syncFixtures';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';

const DOC = 'record:r1';

describe('SyncedDoc', () => {
  let relay: SilentRelay;
  let device: MemoryDevice;
  const clients: SyncClient[] = [];

  const start = (options: Partial<SyncClientOptions> = {}): SyncClient => {
    const client = createSyncClient({
      url: relay.url,
      WebSocketImpl: WebSocket as never,
      persistence: device.persistence,
      watchdogMs: 10_000,
      backoff: { minMs: 20, maxMs: 100 },
      log: collectingLog(),
      ...options,
    });
    clients.push(client);
    return client;
  };
  /** Opens DOC and waits until the relay double has its subscription. */
  const openSubscribed = async (client: SyncClient, socket = 0) => {
    const doc = client.open(DOC);
    await doc.whenLoaded;
    await relay.waitForFrame((f, s) => (s === socket && f.type === 'doc' && f.doc === DOC ? f : undefined));
    return doc;
  };
  /** Opens DOC, and answers its subscription as the relay would, with `relayDoc`'s state vector. */
  const openLive = async (client: SyncClient, relayDoc = new Y.Doc(), socket = 0) => {
    const doc = await openSubscribed(client, socket);
    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(relayDoc))));
    await untilState(doc, (s) => s.live, 'live');
    return doc;
  };
  const changeFrame = (changeNo: number, socket = 0) =>
    relay.waitForFrame((f, s) => (s === socket && f.type === 'change' && f.changeNo === changeNo ? f : undefined));

  beforeEach(async () => {
    relay = await startSilentRelay();
    device = new MemoryDevice();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    await relay.close();
  });

  describe('local changes', () => {
    it('counts each local transaction as one change and sends it with its number', async () => {
      const doc = await openLive(start());
      addLines(doc.doc, 'a', 3);
      const frames = await Promise.all([1, 2, 3].map((n) => changeFrame(n)));
      expect(doc.get()).toMatchObject({ changeNo: 3, ackedChangeNo: 0, pending: 3, onRelay: false });
      const replay = new Y.Doc();
      for (const f of frames) Y.applyUpdate(replay, f.update);
      expect(lineIds(replay)).toEqual(['a:0', 'a:1', 'a:2']);
    });

    it('does not count what the relay sends as a local change', async () => {
      const doc = await openSubscribed(start());
      const other = new Y.Doc();
      addLines(other, 'b', 2);
      relay.send(writeDocFrame(DOC, syncStep2(Y.encodeStateAsUpdate(other))));
      await untilState(doc, (s) => s.relaySynced, 'relay synced');
      expect(lineIds(doc.doc)).toEqual(['b:0', 'b:1']);
      expect(doc.get()).toMatchObject({ changeNo: 0, pending: 0, onRelay: true });
    });

    it('moves to "on the relay" only when the relay acknowledges', async () => {
      const doc = await openLive(start());
      addLines(doc.doc, 'a', 2);
      await changeFrame(2);
      relay.send(writeAckFrame(DOC, 1));
      await untilState(doc, (s) => s.ackedChangeNo === 1, 'ack 1');
      expect(doc.get()).toMatchObject({ pending: 1, onRelay: false });
      relay.send(writeAckFrame(DOC, 2));
      const s = await untilState(doc, (s) => s.onRelay, 'on the relay');
      expect(s.pending).toBe(0);
      expect(s.lastAckAt).toBeGreaterThan(0);
    });
  });

  describe('local changes written later (scheduleLocalWrites, as the app does after the next frame)', () => {
    /** A scheduler the test runs by hand: what was scheduled, and how to run it. */
    const manualSchedule = () => {
      const due: Array<() => void> = [];
      return { due, schedule: (write: () => void) => void due.push(write), runAll: () => due.splice(0).forEach((write) => write()) };
    };

    it('counts a change at once, not saved on this device until written; changes made meanwhile are stored and sent as one', async () => {
      const writes = manualSchedule();
      const doc = await openLive(start({ scheduleLocalWrites: writes.schedule }));
      addLines(doc.doc, 'a', 2);
      expect(writes.due).toHaveLength(1);
      expect(doc.get()).toMatchObject({ changeNo: 2, pending: 2, savedOnDevice: false, onRelay: false });
      expect(device.record(DOC).updates).toHaveLength(0);
      expect(relay.frames.filter((f) => f.frame.type === 'change')).toHaveLength(0);

      writes.runAll();
      const frame = await changeFrame(2);
      const relayCopy = new Y.Doc();
      Y.applyUpdate(relayCopy, frame.update);
      expect(lineIds(relayCopy)).toEqual(['a:0', 'a:1']);
      await untilState(doc, (s) => s.savedOnDevice, 'saved on this device');
      expect(device.record(DOC)).toMatchObject({ changeNo: 2 });
      expect(device.record(DOC).updates).toHaveLength(1);
      expect(relay.frames.filter((f) => f.frame.type === 'change')).toHaveLength(1);
      relay.send(writeAckFrame(DOC, 2));
      await untilState(doc, (s) => s.onRelay, 'on the relay');
    });

    it('a change still waiting to be written when the document is closed is stored first, and pending after a reload', async () => {
      const writes = manualSchedule();
      const first = start({ scheduleLocalWrites: writes.schedule });
      const doc = first.open(DOC);
      await doc.whenLoaded;
      addLines(doc.doc, 'a', 1);
      await first.destroy();
      // The write that was due after the frame finds the document gone and does nothing more.
      writes.runAll();
      expect(device.record(DOC)).toMatchObject({ changeNo: 1, ackedChangeNo: 0 });

      const second = start();
      const reopened = second.open(DOC);
      await reopened.whenLoaded;
      expect(lineIds(reopened.doc)).toEqual(['a:0']);
      expect(reopened.get()).toMatchObject({ changeNo: 1, pending: 1, savedOnDevice: true });
    });

    it('an update from the relay is stored at once, while local changes wait for their write', async () => {
      const writes = manualSchedule();
      const doc = await openSubscribed(start({ scheduleLocalWrites: writes.schedule }));
      addLines(doc.doc, 'mine', 1);
      const other = new Y.Doc();
      addLines(other, 'theirs', 1);
      relay.send(writeDocFrame(DOC, syncStep2(Y.encodeStateAsUpdate(other))));
      await untilState(doc, (s) => s.relaySynced, 'relay synced');
      await expect.poll(() => device.record(DOC).updates.length).toBe(1);
      expect(doc.get()).toMatchObject({ changeNo: 1, savedOnDevice: false });
      writes.runAll();
      await untilState(doc, (s) => s.savedOnDevice, 'saved on this device');
      const stored = new Y.Doc();
      for (const update of device.record(DOC).updates) Y.applyUpdate(stored, update);
      expect(lineIds(stored).sort()).toEqual(['mine:0', 'theirs:0']);
    });
  });

  describe("answering the relay's sync step 1", () => {
    it("holds local changes back until the relay's state vector arrives, then sends them as one change", async () => {
      const client = start();
      const doc = await openSubscribed(client);
      addLines(doc.doc, 'early', 2);
      // A later frame on the same socket: any change sent before it would have arrived first.
      client.open('record:marker');
      await relay.waitForFrame((f) => (f.type === 'doc' && f.doc === 'record:marker' ? f : undefined));
      expect(relay.frames.filter((f) => f.frame.type === 'change')).toHaveLength(0);
      expect(doc.get()).toMatchObject({ live: false, pending: 2 });

      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
      const first = await changeFrame(2);
      const relayCopy = new Y.Doc();
      Y.applyUpdate(relayCopy, first.update);
      expect(lineIds(relayCopy)).toEqual(['early:0', 'early:1']);
      addLines(doc.doc, 'live', 1);
      const next = await changeFrame(3);
      Y.applyUpdate(relayCopy, next.update);
      expect(lineIds(relayCopy)).toEqual(['early:0', 'early:1', 'live:0']);
      expect(relay.frames.filter((f) => f.frame.type === 'change')).toHaveLength(2);
    });

    it('sends exactly what the relay lacks, numbered with the latest change', async () => {
      const client = start({ autoConnect: false });
      const doc = client.open(DOC);
      await doc.whenLoaded;
      addLines(doc.doc, 'a', 5);
      const relayCopy = new Y.Doc();
      Y.applyUpdate(relayCopy, Y.encodeStateAsUpdate(doc.doc));
      addLines(doc.doc, 'late', 1);
      client.connection.reconnectNow();
      await relay.waitForFrame((f) => (f.type === 'doc' ? f : undefined));
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(relayCopy))));
      const frame: ChangeFrame = await changeFrame(6);
      Y.applyUpdate(relayCopy, frame.update);
      expect(lineIds(relayCopy)).toEqual(lineIds(doc.doc));
      expect(frame.update.byteLength).toBeLessThan(Y.encodeStateAsUpdate(doc.doc).byteLength / 2);
    });

    it('sends nothing when nothing is pending and the relay has everything', async () => {
      const doc = await openSubscribed(start());
      const remote = new Y.Doc();
      addLines(remote, 'b', 1);
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(doc.doc))));
      relay.send(writeDocFrame(DOC, syncStep2(Y.encodeStateAsUpdate(remote))));
      await untilState(doc, (s) => s.relaySynced, 'relay synced');
      // The next local change travels after anything the sync step 1 could have caused.
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      const changes = relay.frames.filter((f) => f.frame.type === 'change');
      expect(changes).toHaveLength(1);
      expect(doc.get()).toMatchObject({ changeNo: 1, pending: 1 });
    });

    it('counts content the relay lacks but this device never counted (e.g. a killed tab)', async () => {
      const record = device.record(DOC);
      const earlier = new Y.Doc();
      addLines(earlier, 'uncounted', 2);
      record.updates.push(Y.encodeStateAsUpdate(earlier));
      const doc = await openSubscribed(start());
      expect(doc.get()).toMatchObject({ changeNo: 0, pending: 0 });
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
      const frame = await changeFrame(1);
      expect(doc.get()).toMatchObject({ changeNo: 1, pending: 1, onRelay: false });
      const relayCopy = new Y.Doc();
      Y.applyUpdate(relayCopy, frame.update);
      expect(lineIds(relayCopy)).toEqual(['uncounted:0', 'uncounted:1']);
    });
  });

  describe('device storage', () => {
    it('keeps the lines and both counters across a reload', async () => {
      const first = start();
      const doc = await openLive(first);
      addLines(doc.doc, 'a', 3);
      await changeFrame(3);
      relay.send(writeAckFrame(DOC, 1));
      await untilState(doc, (s) => s.ackedChangeNo === 1 && s.savedOnDevice, 'ack 1 saved');
      await first.destroy();
      expect(device.record(DOC)).toMatchObject({ changeNo: 3, ackedChangeNo: 1 });

      const second = start();
      const reopened = second.open(DOC);
      await reopened.whenLoaded;
      expect(lineIds(reopened.doc)).toEqual(['a:0', 'a:1', 'a:2']);
      expect(reopened.get()).toMatchObject({ changeNo: 3, ackedChangeNo: 1, pending: 2, savedOnDevice: true, onRelay: false });
      await relay.waitForFrame((f, s) => (s === 1 && f.type === 'doc' ? f : undefined));
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
      await changeFrame(3, 1);
      relay.send(writeAckFrame(DOC, 3));
      await untilState(reopened, (s) => s.onRelay, 'on the relay after reload');
    });

    it('counts, stores and sends a change made before device storage was read, without storing the loaded state again', async () => {
      const first = start();
      const doc = await openLive(first);
      addLines(doc.doc, 'a', 2);
      await changeFrame(2);
      relay.send(writeAckFrame(DOC, 2));
      await untilState(doc, (s) => s.onRelay && s.savedOnDevice, 'on the relay');
      await first.destroy();
      const storedUpdates = device.record(DOC).updates.length;
      const relayDoc = new Y.Doc();
      Y.applyUpdate(relayDoc, Y.mergeUpdates(device.record(DOC).updates));

      const second = start();
      const reopened = second.open(DOC);
      addLines(reopened.doc, 'b', 1);
      await reopened.whenLoaded;
      expect(reopened.get()).toMatchObject({ changeNo: 3, ackedChangeNo: 2, pending: 1 });
      await untilState(reopened, (s) => s.savedOnDevice, 'saved on this device');
      // Only the new change was written: loading the stored state did not store it again.
      expect(device.record(DOC).updates.length).toBe(storedUpdates + 1);
      const stored = new Y.Doc();
      Y.applyUpdate(stored, Y.mergeUpdates(device.record(DOC).updates));
      expect(lineIds(stored)).toEqual(['a:0', 'a:1', 'b:0']);

      await relay.waitForFrame((f, s) => (s === 1 && f.type === 'doc' ? f : undefined));
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(relayDoc))));
      const sent = await changeFrame(3, 1);
      Y.applyUpdate(relayDoc, (sent as ChangeFrame).update);
      expect(lineIds(relayDoc)).toEqual(['a:0', 'a:1', 'b:0']);
    });

    it('reports a failed device write, and saves the whole state once the device recovers', async () => {
      const doc = await openLive(start());
      device.failWrites = new Error('QuotaExceededError');
      addLines(doc.doc, 'a', 1);
      const failed = await untilState(doc, (s) => s.lastError?.source === 'device', 'device error');
      expect(failed.savedOnDevice).toBe(false);
      expect(failed.lastError?.message).toMatch(/could not save on this device: Error: QuotaExceededError/);
      device.failWrites = null;
      addLines(doc.doc, 'b', 1);
      await untilState(doc, (s) => s.savedOnDevice, 'saved again');
      const stored = new Y.Doc();
      Y.applyUpdate(stored, Y.mergeUpdates(device.record(DOC).updates));
      expect(lineIds(stored)).toEqual(['a:0', 'b:0']);
      expect(device.record(DOC).changeNo).toBe(2);
    });

    it('still syncs with the relay when device storage cannot be read', async () => {
      const unreadable: DocPersistenceFactory = () => ({
        origin: Symbol('unreadable'),
        load: () => Promise.reject(new Error('InvalidStateError: database closed')),
        storeUpdate: () => Promise.resolve(),
        storeCounters: () => Promise.resolve(),
        destroy: () => Promise.resolve(),
        clear: () => Promise.resolve(),
      });
      const doc = await openLive(start({ persistence: unreadable }));
      expect(doc.get()).toMatchObject({ loaded: true, savedOnDevice: false, lastError: { source: 'device' } });
      expect(doc.get().lastError?.message).toMatch(/cannot read device storage: Error: InvalidStateError/);
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
    });

    it('without device storage, never claims "saved on this device"', async () => {
      const doc = await openLive(start({ persistence: 'none' }));
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      expect(doc.get()).toMatchObject({ savedOnDevice: false, pending: 1 });
    });
  });

  describe('watchdog', () => {
    it('turns stuck when the connected relay never acknowledges, and a later ack clears it', async () => {
      const doc = await openLive(start({ watchdogMs: 150 }));
      const sentAt = Date.now();
      addLines(doc.doc, 'a', 3);
      await changeFrame(3);
      const stuck = await untilState(doc, (s) => s.stuck, 'stuck');
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(145);
      // The watchdog may fire late on a busy machine; it must never fire early.
      const waited = /^relay has not acknowledged 3 changes for (\d+) ms$/.exec(stuck.stuckReason ?? '');
      expect(Number(waited?.[1])).toBeGreaterThanOrEqual(150);
      expect(clients[0]!.status.get().stuckDocs).toEqual([{ doc: DOC, reason: stuck.stuckReason }]);
      relay.send(writeAckFrame(DOC, 3));
      const cleared = await untilState(doc, (s) => !s.stuck, 'cleared');
      expect(cleared).toMatchObject({ pending: 0, onRelay: true, stuckReason: null });
      expect(clients[0]!.status.get().stuckDocs).toEqual([]);
    });

    it("names the relay's storage trouble, and restarts its clock on partial progress", async () => {
      const doc = await openLive(start({ watchdogMs: 150 }));
      relay.send(writeStatusFrame(false, 'ENOSPC: no space left on device'));
      addLines(doc.doc, 'a', 2);
      await changeFrame(2);
      const stuck = await untilState(doc, (s) => s.stuck, 'stuck');
      expect(stuck.stuckReason).toMatch(/^relay has not acknowledged 2 changes for \d+ ms; last relay error: storage failing: ENOSPC/);
      const progressAt = Date.now();
      relay.send(writeAckFrame(DOC, 1));
      await untilState(doc, (s) => !s.stuck && s.pending === 1, 'progress clears stuck');
      const again = await untilState(doc, (s) => s.stuck, 'stuck again');
      expect(Date.now() - progressAt).toBeGreaterThanOrEqual(145);
      expect(again.stuckReason).toMatch(/^relay has not acknowledged 1 change for/);
    });

    it('does not call pending work stuck while disconnected (it is waiting for the relay)', async () => {
      const client = start({ watchdogMs: 100, backoff: { minMs: 100, maxMs: 200 } });
      const doc = await openLive(client);
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      await relay.close();
      await untilState(doc, () => !client.connection.online, 'offline');
      expect(doc.debugCounts().timers).toBe(0);
      const offlineAt = Date.now();
      await waitFor(client.connection, (s) => s.failedAttempts >= 3, 5000);
      expect(Date.now() - offlineAt).toBeGreaterThan(100);
      expect(doc.get()).toMatchObject({ stuck: false, pending: 1 });
      expect(client.status.get()).toMatchObject({ online: false, pendingTotal: 1, docsWithPending: [DOC], stuckDocs: [] });
    });

    it('turns stuck when the relay never answers the subscription (e.g. it could not load the document)', async () => {
      const doc = await openSubscribed(start({ watchdogMs: 150 }));
      relay.send(writeErrorFrame(DOC, 1, 'document could not be loaded: EIO'));
      addLines(doc.doc, 'a', 1);
      const s = await untilState(doc, (s) => s.stuck, 'stuck');
      expect(s.stuckReason).toMatch(/^relay has not acknowledged 1 change for \d+ ms; last relay error: storage failed: document could not be loaded: EIO$/);
      expect(s.live).toBe(false);
    });

  });

  describe('refusals', () => {
    const OTHER = 'record:r2';
    /** Opens OTHER and waits for its subscription on `socket`: frames sent before it on that socket have arrived. */
    const fence = async (client: SyncClient, socket: number) => {
      client.open(OTHER);
      await relay.waitForFrame((f, s) => (s === socket && f.type === 'doc' && f.doc === OTHER ? f : undefined));
    };
    const framesOf = (doc: string, socket: number) => relay.frames.filter((f) => f.socket === socket && 'doc' in f.frame && f.frame.doc === doc).map((f) => f.frame);

    it('enters the refused phase at once and says why', async () => {
      const doc = await openLive(start());
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      relay.send(writeErrorFrame(DOC, 3, 'auditor may not write'));
      const s = await untilState(doc, (s) => s.refused !== null, 'refused');
      expect(doc.relayPhase).toBe('refused');
      expect(s).toMatchObject({ stuck: true, live: false, pending: 1, onRelay: false });
      expect(s.stuckReason).toBe('relay refused 1 change: permission denied: auditor may not write');
      expect(s.refused).toMatchObject({ code: 3, reason: 'auditor may not write', message: 'permission denied: auditor may not write', pending: 1 });
      expect(s.lastError).toMatchObject({ source: 'relay', code: 3 });
    });

    it('sends nothing more after a refusal: no later change, and no subscription after a reconnect', async () => {
      const client = start();
      const doc = await openLive(client);
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      relay.send(writeErrorFrame(DOC, 2, 'document record:r1 would exceed 1000 bytes'));
      await untilState(doc, (s) => s.refused !== null, 'refused');
      addLines(doc.doc, 'b', 2);
      await fence(client, 0);
      expect(framesOf(DOC, 0).filter((f) => f.type === 'change').map((f) => (f as ChangeFrame).changeNo)).toEqual([1]);

      relay.sockets[0]?.terminate();
      await relay.waitForSockets(2);
      await relay.waitForFrame((f, s) => (s === 1 && f.type === 'doc' && f.doc === OTHER ? f : undefined));
      expect(framesOf(DOC, 1)).toEqual([]);
      expect(doc.get()).toMatchObject({ pending: 3, stuck: true, refused: { code: 2, pending: 1 } });
    });

    it("ignores a refusal that answers an earlier subscription's change (sent before this one was live)", async () => {
      const doc = await openSubscribed(start());
      addLines(doc.doc, 'a', 1);
      relay.send(writeErrorFrame(DOC, 3, 'auditor may not write'));
      await untilState(doc, (s) => s.lastError?.code === 3, 'error recorded');
      expect(doc.get().refused).toBeNull();
      relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
      await changeFrame(1);
      expect(doc.relayPhase).toBe('live');
    });

    it('discard deletes the device copy, and the document opens again empty under a new Yjs client id', async () => {
      const client = start();
      const doc = await openLive(client);
      addLines(doc.doc, 'a', 2);
      relay.send(writeErrorFrame(DOC, 3, 'auditor may not write'));
      await untilState(doc, (s) => s.refused !== null, 'refused');
      await untilState(doc, (s) => s.savedOnDevice, 'saved');
      expect(device.docs.has(DOC)).toBe(true);

      await client.discard(DOC);
      expect(device.docs.has(DOC)).toBe(false);
      expect(client.get(DOC)).toBeUndefined();
      expect(doc.debugCounts()).toEqual({ listeners: 0, timers: 0 });
      const again = client.open(DOC);
      await again.whenLoaded;
      expect(again.doc.clientID).not.toBe(doc.doc.clientID);
      expect(lineIds(again.doc)).toEqual([]);
      expect(again.get()).toMatchObject({ changeNo: 0, pending: 0, refused: null });
    });
  });

  describe('destroy', () => {
    it('unsubscribes from the relay and releases listeners and timers', async () => {
      const client = start({ watchdogMs: 60_000 });
      const doc = await openLive(client);
      doc.subscribe(() => {});
      addLines(doc.doc, 'a', 1);
      await changeFrame(1);
      expect(doc.debugCounts().timers).toBe(1);
      await client.close(DOC);
      expect(doc.debugCounts()).toEqual({ listeners: 0, timers: 0 });
      await relay.waitForFrame((f) => (f.type === 'closeDoc' && f.doc === DOC ? f : undefined));
      expect(client.get(DOC)).toBeUndefined();
      expect(client.status.get().openDocs).toBe(0);
    });
  });

  describe('as the page leaves (UnloadRescue)', () => {
    /** The device store, but every write aborted (as IndexedDB aborts a leaving page's transactions). */
    const abortedWrites: DocPersistenceFactory = (name, ydoc) => {
      const stored = device.persistence(name, ydoc);
      const aborted = () => Promise.reject(new Error('AbortError: the page left'));
      return { origin: stored.origin, load: () => stored.load(), storeUpdate: aborted, storeCounters: aborted, destroy: () => stored.destroy(), clear: () => stored.clear() };
    };

    it('keeps changes whose device write did not finish, and the next load counts, stores and sends them', async () => {
      const kept = memoryKeyValueStore();
      const leaving = start({ persistence: abortedWrites, rescue: new UnloadRescue(kept) });
      const before = await openSubscribed(leaving);
      addLines(before.doc, 'a', 2);
      await untilState(before, (s) => s.lastError?.source === 'device', 'the write aborted');
      leaving.keepUnsaved();
      expect(device.record(DOC).updates).toHaveLength(0);
      expect(kept.data.size).toBe(1);

      const reloaded = start({ rescue: new UnloadRescue(kept) });
      const after = await openLive(reloaded, new Y.Doc(), 1);
      expect(lineIds(after.doc)).toEqual(['a:0', 'a:1']);
      const sent = await changeFrame(1, 1);
      const relayDoc = new Y.Doc();
      Y.applyUpdate(relayDoc, sent.update);
      expect(lineIds(relayDoc)).toEqual(['a:0', 'a:1']);
      await untilState(after, (s) => s.savedOnDevice && s.pending === 1, 'stored and pending');
      expect(device.record(DOC).changeNo).toBe(1);
      expect(kept.data.size).toBe(0);
    });

    it('keeps nothing when the device copy holds everything, and forgets what it kept once the copy does', async () => {
      const kept = memoryKeyValueStore();
      const client = start({ rescue: new UnloadRescue(kept) });
      const doc = await openSubscribed(client);
      addLines(doc.doc, 'a', 1);
      client.keepUnsaved();
      expect(kept.data.size).toBe(1);
      await untilState(doc, (s) => s.savedOnDevice, 'saved on the device');
      expect(kept.data.size).toBe(0);
      client.keepUnsaved();
      expect(kept.data.size).toBe(0);
    });

    it('does not bring back a discarded copy from what the page kept', async () => {
      const kept = memoryKeyValueStore();
      const leaving = start({ persistence: abortedWrites, rescue: new UnloadRescue(kept) });
      const before = await openSubscribed(leaving);
      addLines(before.doc, 'a', 2);
      leaving.keepUnsaved();
      expect(kept.data.size).toBe(1);
      await leaving.discard(DOC);
      expect(kept.data.size).toBe(0);

      const reloaded = start({ rescue: new UnloadRescue(kept) });
      const again = reloaded.open(DOC);
      await again.whenLoaded;
      expect(lineIds(again.doc)).toEqual([]);
      expect(again.get().pending).toBe(0);
    });

    it('counts nothing when what was kept is already on the device', async () => {
      const kept = memoryKeyValueStore();
      const first = start();
      const doc = await openSubscribed(first);
      addLines(doc.doc, 'a', 3);
      await untilState(doc, (s) => s.savedOnDevice, 'saved on the device');
      new UnloadRescue(kept).keep(DOC, Y.encodeStateAsUpdate(doc.doc));
      const changeNo = device.record(DOC).changeNo;

      const reloaded = start({ rescue: new UnloadRescue(kept) });
      const again = reloaded.open(DOC);
      await again.whenLoaded;
      expect(lineIds(again.doc)).toEqual(['a:0', 'a:1', 'a:2']);
      expect(again.get().pending).toBe(changeNo);
      expect(device.record(DOC).changeNo).toBe(changeNo);
      expect(kept.data.size).toBe(0);
    });
  });
});

describe('SyncedDoc refused by the real relay', () => {
  const RECORD = 'record:R-1';
  let fixture: RelayFixture;
  let client: SyncClient;
  /** Every mux frame the device sent, decoded, with the index of its socket. */
  const sent: Array<{ socket: number; frame: MuxFrame }> = [];
  let socketCount = 0;

  class FrameRecordingWebSocket extends WebSocket {
    private readonly index = socketCount++;
    override send(data: Uint8Array): void {
      sent.push({ socket: this.index, frame: readMuxFrame(data) });
      super.send(data);
    }
  }
  const changesSent = (doc: string) => sent.filter(({ frame }) => frame.type === 'change' && frame.doc === doc).length;
  const author = createAuthor({ user: 'ana', device: 'dev-1' });

  beforeEach(async () => {
    fixture = await startRelayFixture();
    client = createSyncClient({
      url: fixture.url,
      WebSocketImpl: FrameRecordingWebSocket as never,
      persistence: new MemoryDevice().persistence,
      backoff: { minMs: 20, maxMs: 100 },
      log: collectingLog(),
    });
  });
  afterEach(async () => {
    await client.destroy();
    await fixture.cleanup();
    sent.length = 0;
    socketCount = 0;
  });

  it('refuses a write of the review map; the document stops sending, also after a relay restart, and opens again from the relay', async () => {
    const doc = client.open(RECORD);
    await untilState(doc, (s) => s.relaySynced, 'relay synced');
    createReceipt(doc.doc, author, { id: 'R-1', site: 'main' });
    addReceiveLine(doc.doc, author, { item: 'SKU-1', qty: 5 });
    await untilState(doc, (s) => s.onRelay, 'on the relay');

    // Only the relay writes the review map: the relay refuses this change, and so everything after it.
    doc.doc.getMap('review').set('status', 'closed');
    const refused = await untilState(doc, (s) => s.refused !== null, 'refused');
    expect(refused.refused).toMatchObject({ code: 3, reason: 'the review map is written by the relay alone', pending: 1 });
    const sentBefore = changesSent(RECORD);
    addReceiveLine(doc.doc, author, { item: 'SKU-1', qty: 7 });
    expect(changesSent(RECORD)).toBe(sentBefore);

    await fixture.stop();
    await fixture.start();
    // Another document syncing on the new socket shows the device is back; the refused one stayed quiet.
    const other = client.open('record:R-2');
    await untilState(other, (s) => s.relaySynced, 'other document synced after the restart');
    expect(sent.some(({ socket, frame }) => socket > 0 && 'doc' in frame && frame.doc === RECORD)).toBe(false);
    expect(doc.get()).toMatchObject({ pending: 2, refused: { code: 3 } });

    const oldClient = doc.doc.clientID;
    await client.discard(RECORD);
    const again = client.open(RECORD);
    await untilState(again, (s) => s.relaySynced, 'reopened from the relay');
    expect(again.doc.clientID).not.toBe(oldClient);
    const lines = () => readRecord(again.doc).entries.filter((e) => e.kind === 'line').map((e) => (e.kind === 'line' ? e.qty : 0));
    expect(lines()).toEqual([5]);
    addReceiveLine(again.doc, author, { item: 'SKU-1', qty: 7 });
    await untilState(again, (s) => s.onRelay, 'the line made again is on the relay');
    expect(again.get().refused).toBeNull();

    await client.destroy();
    await fixture.stop();
    const onDisk = await fixture.readFromDisk(RECORD);
    expect(readRecord(onDisk).entries.filter((e) => e.kind === 'line').map((e) => (e.kind === 'line' ? e.qty : 0))).toEqual([5, 7]);
    expect(onDisk.getMap('review').get('status')).not.toBe('closed');
  });
});
