/**
 * A device's acknowledgements and the relay store's identity (PROTOCOL.md §2,
 * client/sync/ackTrust.ts), against a relay double that says what each test
 * tells it to: acks are stored with the store that gave them; on a relay with
 * another store every change is pending again, what the relay lacks is sent,
 * and the document is on the relay only once that store acknowledges it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { writeAckFrame, writeDocFrame, writeStatusFrame, type ChangeFrame } from '../../shared/protocol/muxMessages';
import { startSilentRelay, type SilentRelay } from './silentRelay';
import { addLines, collectingLog, lineIds, syncStep1, untilState } from './syncFixtures';

const DOC = 'record:r1';

describe('acknowledgements and the relay store', () => {
  let relay: SilentRelay;
  let device: MemoryDevice;
  const clients: SyncClient[] = [];

  const start = (): SyncClient => {
    const client = createSyncClient({ url: relay.url, WebSocketImpl: WebSocket as never, persistence: device.persistence, watchdogMs: 10_000, backoff: { minMs: 20, maxMs: 100 }, log: collectingLog() });
    clients.push(client);
    return client;
  };
  const subscription = (socket: number) => relay.waitForFrame((f, s) => (s === socket && f.type === 'doc' && f.doc === DOC ? f : undefined));
  const changeFrame = (changeNo: number, socket: number): Promise<ChangeFrame> =>
    relay.waitForFrame((f, s) => (s === socket && f.type === 'change' && f.changeNo === changeNo ? f : undefined));
  /** Drops the socket; resolves once the device is back on socket `next` and has subscribed DOC again. */
  const reconnect = async (next: number) => {
    relay.sockets[next - 1]?.terminate();
    await relay.waitForSockets(next + 1);
    await subscription(next);
  };

  beforeEach(async () => {
    relay = await startSilentRelay();
    device = new MemoryDevice();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    await relay.close();
  });

  /** Three lines (three changes) made and acknowledged by store A on socket 0; returns the document and each change's update. */
  const ackedByA = async () => {
    const client = start();
    const doc = client.open(DOC);
    await subscription(0);
    relay.send(writeStatusFrame(true, 'storage ok', 'A'));
    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
    await untilState(doc, (s) => s.live, 'live');
    const updates: Uint8Array[] = [];
    doc.doc.on('update', (u: Uint8Array) => updates.push(u));
    addLines(doc.doc, 'a', 3);
    await changeFrame(3, 0);
    relay.send(writeAckFrame(DOC, 3));
    await untilState(doc, (s) => s.onRelay && s.savedOnDevice, 'on the relay');
    return { client, doc, updates };
  };

  it('stores each ack with the store that gave it', async () => {
    await ackedByA();
    expect(device.record(DOC)).toMatchObject({ changeNo: 3, ackedChangeNo: 3, ackedBy: 'A' });
  });

  it('on a restored store, counts every change as pending, sends what it lacks, and is on the relay only after its ack', async () => {
    const { doc, updates } = await ackedByA();
    // The restored store holds the first line only: its backup was taken before the other two were acked.
    const restored = new Y.Doc();
    Y.applyUpdate(restored, updates[0]!);
    await reconnect(1);
    relay.send(writeStatusFrame(true, 'storage ok', 'B'));
    const pending = await untilState(doc, (s) => !s.onRelay, 'acks dropped');
    expect(pending).toMatchObject({ pending: 3, ackedChangeNo: 0, onRelay: false });
    await untilState(doc, (s) => s.savedOnDevice, 'saved');
    expect(device.record(DOC)).toMatchObject({ ackedChangeNo: 0, ackedBy: 'B' });

    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(restored))));
    const resent = await changeFrame(3, 1);
    Y.applyUpdate(restored, resent.update);
    expect(lineIds(restored)).toEqual(['a:0', 'a:1', 'a:2']);
    expect(doc.get()).toMatchObject({ onRelay: false, pending: 3 });

    relay.send(writeAckFrame(DOC, 3));
    await untilState(doc, (s) => s.onRelay && s.savedOnDevice, 'on the restored relay');
    expect(device.record(DOC)).toMatchObject({ ackedChangeNo: 3, ackedBy: 'B' });
    expect(lineIds(doc.doc)).toEqual(['a:0', 'a:1', 'a:2']);
  });

  it('keeps its acks on the same store after a reconnect', async () => {
    const { doc } = await ackedByA();
    await reconnect(1);
    relay.send(writeStatusFrame(true, 'storage ok', 'A'));
    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(doc.doc))));
    await untilState(doc, (s) => s.live, 'live again');
    expect(doc.get()).toMatchObject({ onRelay: true, pending: 0, ackedChangeNo: 3 });
  });

  it('keeps its acks on a relay that does not tell its store (an older relay)', async () => {
    const { doc } = await ackedByA();
    await reconnect(1);
    relay.send(writeStatusFrame(true, 'storage ok'));
    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(doc.doc))));
    await untilState(doc, (s) => s.live, 'live again');
    expect(doc.get()).toMatchObject({ onRelay: true, pending: 0 });
  });

  it('drops acks stored before identities existed, also for a document opened after the status arrived', async () => {
    const stored = new Y.Doc();
    addLines(stored, 'old', 2);
    Object.assign(device.record(DOC), { updates: [Y.encodeStateAsUpdate(stored)], changeNo: 2, ackedChangeNo: 2, ackedBy: null });
    const client = start();
    client.open('record:other');
    await relay.waitForFrame((f) => (f.type === 'doc' ? f : undefined));
    relay.send(writeStatusFrame(true, 'storage ok', 'C'));
    await new Promise<void>((resolve) => {
      const off = client.connection.subscribe(() => {
        if (client.connection.get().relayStore === 'C') resolve(off());
      });
      if (client.connection.get().relayStore === 'C') resolve(off());
    });
    const doc = client.open(DOC);
    await doc.whenLoaded;
    expect(doc.get()).toMatchObject({ pending: 2, onRelay: false, ackedChangeNo: 0 });
    await subscription(0);
    relay.send(writeDocFrame(DOC, syncStep1(Y.encodeStateVector(new Y.Doc()))));
    const resent = await changeFrame(2, 0);
    const atRelay = new Y.Doc();
    Y.applyUpdate(atRelay, resent.update);
    expect(lineIds(atRelay)).toEqual(['old:0', 'old:1']);
  });

  it('forgets the store it was told when the socket drops (a restore can happen meanwhile)', async () => {
    const { client } = await ackedByA();
    expect(client.connection.get().relayStore).toBe('A');
    await reconnect(1);
    expect(client.connection.get().relayStore).toBeNull();
  });
});
