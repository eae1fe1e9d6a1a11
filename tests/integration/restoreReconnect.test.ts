/**
 * Devices after a restore (issue 17), with real relay processes on real
 * LevelDB folders and a Tally sync client: back up, write and acknowledge
 * more, stop the relay, restore the backup into a new folder with
 * `npm run restore`, start the relay on it and reconnect. The restored relay
 * lacks what was acknowledged after the backup; the device must re-send it
 * (nothing lost: the relay's disk ends with every line) and must not show it
 * as on the relay until the restored store acknowledges it (the state honest
 * throughout: every state the device published is checked).
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SyncClient } from '../../client/sync/createSyncClient';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { readStoreIdentity } from '../../relay/storage/storeIdentity';
import { LevelDocStore } from '../../relay/storage/LevelDocStore';
import { addReceiveLine, createAuthor, createReceipt, readRecord, type Author } from '../../shared/model';
import { untilState } from '../client/syncFixtures';
import { addUser, spawnRelay, type RelayProcess } from '../support/relayProcess';
import { tallyDevice } from './fixtures';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = 'record:R-RESTORE-1';
const run = promisify(execFile);

/** What the device showed, in order: every publish of the document and of the connection. */
interface Seen {
  relayStore: string | null;
  onRelay: boolean;
  pending: number;
}

describe('a device reconnecting to a restored relay', () => {
  let dir: string;
  const relays: RelayProcess[] = [];
  let client: SyncClient | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-restore-reconnect-'));
  });
  afterEach(async () => {
    await client?.destroy();
    client = null;
    for (const relay of relays.splice(0)) {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  const stop = async (relay: RelayProcess): Promise<void> => {
    relay.child.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
    relays.splice(relays.indexOf(relay), 1);
  };

  const lineQtys = (doc: Y.Doc): number[] => readRecord(doc).entries.flatMap((e) => (e.kind === 'line' ? [e.qty] : []));

  it('re-sends what the restored relay lacks and shows it on the relay only once the restored store acknowledges it', async () => {
    const original = path.join(dir, 'data');
    const crew = await addUser(original, 'Ann', 'crew');
    const admin = await addUser(original, 'Ada', 'admin');
    const first = await spawnRelay(original);
    relays.push(first);
    const originalStore = await readStoreIdentity(original);
    expect(originalStore).toMatch(/^[0-9a-f]{32}$/);

    // One device, its storage outliving the client (as IndexedDB outlives a tab).
    const storage = new MemoryDevice();
    client = tallyDevice(first.url, 'dock-1', { token: crew.token, persistence: storage.persistence });
    const author: Author = createAuthor({ user: crew.id, device: 'dock-1' });
    const synced = client.open(DOC);
    await synced.whenLoaded;
    synced.doc.transact(() => createReceipt(synced.doc, author, { id: 'R-RESTORE-1', site: 'main', supplier: 'Acme' }));
    synced.doc.transact(() => addReceiveLine(synced.doc, author, { item: 'SKU-1', qty: 50 }));
    await untilState(synced, (s) => s.onRelay && s.savedOnDevice, 'the receipt and its first line on the relay');

    // The backup, taken while the relay runs.
    const archive = path.join(dir, 'backup.tar');
    const res = await fetch(`${first.url}/api/admin/backup`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(res.status).toBe(200);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(archive));

    // More work, acknowledged by the original relay after the backup.
    synced.doc.transact(() => addReceiveLine(synced.doc, author, { item: 'SKU-1', qty: 30 }));
    synced.doc.transact(() => addReceiveLine(synced.doc, author, { item: 'SKU-2', qty: 7 }));
    const acked = await untilState(synced, (s) => s.onRelay && s.savedOnDevice, 'the later lines on the original relay');
    expect(storage.record(DOC)).toMatchObject({ ackedChangeNo: acked.changeNo, ackedBy: originalStore });

    // The box dies; site IT restores last night's backup into a new folder and starts the relay on it, same port.
    await stop(first);
    await untilState(synced, (s) => !s.live, 'offline');
    const restoredDir = path.join(dir, 'restored');
    const restore = await run(process.execPath, ['--import', 'tsx', 'relay/cli/restore.ts', '--from', archive, '--data', restoredDir], { cwd: ROOT });
    const restoredStore = await readStoreIdentity(restoredDir);
    expect(restoredStore).toMatch(/^[0-9a-f]{32}$/);
    expect(restoredStore).not.toBe(originalStore);
    expect(restore.stdout).toContain(`new store identity ${restoredStore}`);
    const lacking = await diskLines(restoredDir);
    expect(lacking).toEqual([50]);

    // Every state the device shows from here on is recorded.
    const seen: Seen[] = [];
    const note = (): void => {
      const s = synced.get();
      seen.push({ relayStore: client!.connection.get().relayStore, onRelay: s.onRelay, pending: s.pending });
    };
    const offDoc = synced.subscribe(note);
    const offConnection = client.connection.subscribe(note);
    const second = await spawnRelay(restoredDir, { PORT: String(first.port) });
    relays.push(second);
    client.connection.reconnectNow();

    const settled = await untilState(synced, (s) => s.onRelay && s.savedOnDevice && client!.connection.get().relayStore === restoredStore, 'everything on the restored relay', 20_000);
    offDoc();
    offConnection();
    expect(storage.record(DOC)).toMatchObject({ ackedChangeNo: settled.changeNo, ackedBy: restoredStore });

    // Honest throughout: on the restored store, "on the relay" comes only after a time it was not, with all three changes pending.
    const onRestored = seen.filter((s) => s.relayStore === restoredStore);
    const firstTrue = onRestored.findIndex((s) => s.onRelay);
    expect(firstTrue, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(onRestored.slice(0, firstTrue).every((s) => !s.onRelay && s.pending >= 3), JSON.stringify(seen)).toBe(true);
    expect(onRestored.slice(firstTrue).every((s) => s.onRelay), JSON.stringify(seen)).toBe(true);
    // The shift-handover check agrees.
    const report = await client.flushAndWait(5_000);
    expect(report).toMatchObject({ ok: true, remaining: [] });

    // Nothing lost: the restored relay's disk holds every line, once.
    await client.destroy();
    client = null;
    await stop(second);
    expect(await diskLines(restoredDir)).toEqual([50, 30, 7]);
  });

  it('while the restored relay has not acknowledged, the pending counts and the handover check say so', async () => {
    const original = path.join(dir, 'data');
    const crew = await addUser(original, 'Ann', 'crew');
    const admin = await addUser(original, 'Ada', 'admin');
    const first = await spawnRelay(original);
    relays.push(first);
    const storage = new MemoryDevice();
    client = tallyDevice(first.url, 'dock-1', { token: crew.token, persistence: storage.persistence });
    const author = createAuthor({ user: crew.id, device: 'dock-1' });
    const synced = client.open(DOC);
    await synced.whenLoaded;
    synced.doc.transact(() => createReceipt(synced.doc, author, { id: 'R-RESTORE-1', site: 'main' }));
    await untilState(synced, (s) => s.onRelay, 'created on the relay');
    const archive = path.join(dir, 'backup.tar');
    const res = await fetch(`${first.url}/api/admin/backup`, { headers: { authorization: `Bearer ${admin.token}` } });
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(archive));
    synced.doc.transact(() => addReceiveLine(synced.doc, author, { item: 'SKU-1', qty: 5 }));
    await untilState(synced, (s) => s.onRelay && s.savedOnDevice, 'line on the relay');
    await client.destroy();
    client = null;
    await stop(first);
    const restoredDir = path.join(dir, 'restored');
    await run(process.execPath, ['--import', 'tsx', 'relay/cli/restore.ts', '--from', archive, '--data', restoredDir], { cwd: ROOT });
    const restoredStore = await readStoreIdentity(restoredDir);
    const second = await spawnRelay(restoredDir, { PORT: String(first.port) });
    relays.push(second);

    // A reload of the device; it learns the restored store's identity before any document is open.
    client = tallyDevice(second.url, 'dock-1', { token: crew.token, persistence: storage.persistence });
    await untilConnectionStore(client, restoredStore);
    client.connection.disconnect();
    const reopened = client.open(DOC);
    await reopened.whenLoaded;
    // Offline after hearing of the restore: nothing is claimed as on the relay, and handover lists it.
    expect(reopened.get()).toMatchObject({ onRelay: false, pending: 2 });
    expect(client.status.get()).toMatchObject({ pendingTotal: 2, allOnRelay: false, docsWithPending: [DOC] });
    const report = await client.flushAndWait(20_000);
    expect(report).toMatchObject({ ok: true, remaining: [] });
    await client.destroy();
    client = null;
    await stop(second);
    expect(await diskLines(restoredDir)).toEqual([5]);
  });

  /** The receive lines' quantities a fresh LevelDocStore finds in `dataDir` for DOC (relay stopped). */
  async function diskLines(dataDir: string): Promise<number[]> {
    const store = await LevelDocStore.open(path.join(dataDir, 'docs'));
    try {
      const doc = new Y.Doc();
      for (const update of await store.load(DOC)) Y.applyUpdate(doc, update);
      return lineQtys(doc);
    } finally {
      await store.close();
    }
  }
});

/** Resolves once `client`'s connection has been told `store`. */
function untilConnectionStore(client: SyncClient, store: string | null): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (client.connection.get().relayStore !== store) return;
      off();
      resolve();
    };
    const off = client.connection.subscribe(check);
    check();
  });
}
