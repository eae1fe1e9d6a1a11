/**
 * Offering the relay states the device holds outside any open document
 * (client/sync/StateOffers.ts, `client.offer`), against the real relay over
 * LevelDB: counted as pending until the relay lacks nothing of them, sent
 * only when it lacks something, held while offline, and settled by an open
 * document of the same name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { waitFor } from '../../client/sync/waitFor';
import { readMuxFrame } from '../../shared/protocol/muxMessages';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { addLines, collectingLog, lineIds, untilState } from './syncFixtures';

const DOC = 'receipt:R-OFFER';

describe('client.offer', () => {
  let f: RelayFixture;
  const clients: SyncClient[] = [];
  const device = (): SyncClient => {
    const client = createSyncClient({ url: f.url, WebSocketImpl: WebSocket as never, persistence: new MemoryDevice().persistence, backoff: { minMs: 20, maxMs: 200 }, log: collectingLog() });
    clients.push(client);
    return client;
  };
  const state = (prefix: string, n: number): Uint8Array => {
    const doc = new Y.Doc();
    addLines(doc, prefix, n);
    return Y.encodeStateAsUpdate(doc);
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
    await f.cleanup();
  });

  it('sends what the relay lacks, counts it as pending until then, and the relay ends with it on disk', async () => {
    f = await startRelayFixture();
    const client = device();
    await waitFor(client.connection, (c) => c.online, 5_000);
    const held = state('held', 3);
    const done = client.offer(DOC, async () => held);
    expect(client.status.get()).toMatchObject({ pendingTotal: 1, docsWithPending: [DOC], allOnRelay: false });
    expect(await done).toBe('onRelay');
    expect(client.status.get()).toMatchObject({ pendingTotal: 0, docsWithPending: [], allOnRelay: true });
    await client.destroy();
    await f.stop();
    expect(lineIds(await f.readFromDisk(DOC))).toEqual(['held:0', 'held:1', 'held:2']);
  });

  it('sends nothing when the relay has it all', async () => {
    f = await startRelayFixture();
    const writer = device();
    const doc = writer.open(DOC);
    addLines(doc.doc, 'w', 2);
    await untilState(doc, (s) => s.onRelay, 'written');
    const held = Y.encodeStateAsUpdate(doc.doc);
    const sent: string[] = [];
    class Recording extends WebSocket {
      override send(data: Uint8Array): void {
        sent.push(readMuxFrame(new Uint8Array(data)).type);
        super.send(data);
      }
    }
    const reader = createSyncClient({ url: f.url, WebSocketImpl: Recording as never, persistence: 'none', log: collectingLog() });
    clients.push(reader);
    expect(await reader.offer(DOC, async () => held)).toBe('onRelay');
    expect(sent).toContain('doc');
    expect(sent).not.toContain('change');
  });

  it('waits while the relay is out of reach, and the handover check lists it', async () => {
    f = await startRelayFixture();
    const client = device();
    await waitFor(client.connection, (c) => c.online, 5_000);
    await f.stop();
    const done = client.offer(DOC, async () => state('offline', 1));
    expect(await client.flushAndWait(300)).toMatchObject({ ok: false, remaining: [{ doc: DOC, pending: 1, savedOnDevice: true, stuckReason: null, lastError: null }] });
    await f.start();
    expect(await client.flushAndWait(10_000)).toMatchObject({ ok: true, remaining: [] });
    expect(await done).toBe('onRelay');
  });

  it('is settled by an open document of the same name once it is live with nothing pending', async () => {
    f = await startRelayFixture();
    const client = device();
    const open = client.open(DOC);
    addLines(open.doc, 'open', 1);
    const done = client.offer(DOC, async () => Y.encodeStateAsUpdate(open.doc));
    expect(await done).toBe('onRelay');
    expect(open.get()).toMatchObject({ live: true, pending: 0 });
  });

  it('gives way when the client opens the document being offered, then settles through it', async () => {
    f = await startRelayFixture();
    const client = device();
    await waitFor(client.connection, (c) => c.online, 5_000);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = state('gated', 2);
    const done = client.offer(DOC, async () => {
      await gate;
      return held;
    });
    release();
    const open = client.open(DOC);
    open.applyKnown(held);
    expect(await done).toBe('onRelay');
    await client.destroy();
    await f.stop();
    expect(lineIds(await f.readFromDisk(DOC))).toEqual(['gated:0', 'gated:1']);
  });
});
