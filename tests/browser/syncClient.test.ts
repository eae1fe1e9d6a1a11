/**
 * The sync client in real Chromium (browser WebSocket, real IndexedDB) against
 * the real relay the global setup runs in Node: changes reach "on the relay",
 * that state survives a reload, offline work reaches the relay after a reload,
 * and the client comes back after the relay restarts.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { commands } from 'vitest/browser';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { createSyncClient, type SyncClient } from '../../client/sync/createSyncClient';
import { waitFor } from '../../client/sync/waitFor';
import { addLines, collectingLog, lineIds, untilState } from '../client/syncFixtures';

const uniqueName = () => `receipt:browser-${crypto.randomUUID()}`;

describe('sync client in Chromium with the real relay', () => {
  const clients: SyncClient[] = [];
  const device = (url: string): SyncClient => {
    const client = createSyncClient({ url, persistence: 'indexeddb', backoff: { minMs: 50, maxMs: 400 }, log: collectingLog() });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.destroy();
  });

  /** The line ids the relay has on disk for `doc`. */
  async function onRelayDisk(doc: string): Promise<string[]> {
    const ydoc = new Y.Doc();
    for (const b64 of await commands.relayStoredUpdates(doc)) {
      Y.applyUpdate(ydoc, Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    }
    return lineIds(ydoc);
  }

  it('reaches "on the relay", and a reload (with the relay out of reach) still says so', async () => {
    const name = uniqueName();
    const online = device(inject('relayUrl'));
    const doc = online.open(name);
    await doc.whenLoaded;
    addLines(doc.doc, 'scan', 3);
    const synced = await untilState(doc, (s) => s.onRelay && s.savedOnDevice, 'on the relay and saved');
    expect(synced).toMatchObject({ changeNo: 3, ackedChangeNo: 3, pending: 0, stuck: false });
    expect(synced.lastAckAt).not.toBeNull();
    expect(online.status.get()).toMatchObject({ online: true, allOnRelay: true, pendingTotal: 0 });
    expect(await onRelayDisk(name)).toEqual(['scan:0', 'scan:1', 'scan:2']);
    await online.destroy();

    const rawDoc = new Y.Doc();
    const raw = new IndexeddbPersistence(name, rawDoc);
    await raw.whenSynced;
    expect([lineIds(rawDoc), await raw.get('tally:changeNo'), await raw.get('tally:ackedChangeNo')]).toEqual([
      ['scan:0', 'scan:1', 'scan:2'],
      3,
      3,
    ]);
    await raw.destroy();

    const reloaded = device(inject('unreachableRelayUrl')).open(name);
    await reloaded.whenLoaded;
    expect(lineIds(reloaded.doc)).toEqual(['scan:0', 'scan:1', 'scan:2']);
    expect(reloaded.get()).toMatchObject({ onRelay: true, pending: 0, ackedChangeNo: 3, savedOnDevice: true });
  });

  it('sends work made offline to the relay after a reload', async () => {
    const name = uniqueName();
    const offline = device(inject('unreachableRelayUrl'));
    const doc = offline.open(name);
    await doc.whenLoaded;
    addLines(doc.doc, 'dead-zone', 4);
    await untilState(doc, (s) => s.savedOnDevice && s.pending === 4, 'saved, pending');
    await offline.destroy();

    const back = device(inject('relayUrl'));
    const reloaded = back.open(name);
    const report = await back.flushAndWait(10_000);
    expect(report).toMatchObject({ ok: true, remaining: [] });
    expect(reloaded.get()).toMatchObject({ onRelay: true, changeNo: 4, ackedChangeNo: 4 });
    expect(await onRelayDisk(name)).toEqual(['dead-zone:0', 'dead-zone:1', 'dead-zone:2', 'dead-zone:3']);
  });

  it('goes offline when the relay stops and delivers what was written meanwhile once it is back', async () => {
    const name = uniqueName();
    const client = device(inject('relayUrl'));
    const doc = client.open(name);
    await doc.whenLoaded;
    addLines(doc.doc, 'before', 1);
    await untilState(doc, (s) => s.onRelay, 'on the relay');

    await commands.stopRelay();
    expect(await waitFor(client.status, (s) => !s.online, 5000)).toBe(true);
    addLines(doc.doc, 'during', 2);
    const waiting = await untilState(doc, (s) => s.savedOnDevice && s.pending === 2, 'pending while the relay is down');
    expect(waiting.stuck).toBe(false);
    expect(client.status.get().lastError?.message).toMatch(/relay closed the connection: relay shutting down \(1001\)|cannot reach the relay/);

    await commands.startRelay();
    await untilState(doc, (s) => s.onRelay, 'on the relay after the restart', 15_000);
    expect(client.status.get().online).toBe(true);
    expect(await onRelayDisk(name)).toEqual(['before:0', 'during:0', 'during:1']);
  });
});
