/**
 * The Workspace after a relay restore, against the real relay (LevelDB in a
 * temp folder, real sockets): a record acknowledged and then released into
 * the device record store (no working copy left) is offered to the restored
 * store, which lacked its later line; the list shows it as on this device
 * only from the moment the new store is known until that store has it, the
 * sync status counts it, and the relay's disk ends with every line.
 */
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { SeqCounter } from '../../client/app/lib/device';
import { DeviceRecordStore, MemoryByteStore } from '../../client/app/lib/DeviceRecordStore';
import { MemorySetAsideStore } from '../../client/app/lib/SetAsideStore';
import { Workspace } from '../../client/app/lib/Workspace';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { addReceiveLine, readRecord, recordDocName, toDeviceId, toRecordId } from '../../shared/model';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { collectingLog } from './syncFixtures';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';
import { untilValue } from '../support/eventually';

describe('Workspace after a relay restore', () => {
  let fixture: RelayFixture | null = null;
  let ws: Workspace | null = null;
  afterEach(async () => {
    await ws?.destroy();
    await fixture?.cleanup();
  });

  it('offers held records to the restored store and shows them on the relay only once it has them', async () => {
    const users = new MemoryUserStore();
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const f = (fixture = await startRelayFixture({ users, storeId: 'store-A' }));
    const local = memoryKeyValueStore();
    const workspace = (ws = new Workspace({
      session: { token: ana.token, user: { id: ana.user.id, name: ana.user.name, role: ana.user.role }, site: 'main', relayUrl: f.url, signedInAt: 0 },
      device: toDeviceId('phone-1'),
      seq: new SeqCounter('phone-1', local),
      store: local,
      setAside: new MemorySetAsideStore(),
      records: new DeviceRecordStore(new MemoryByteStore()),
      sync: { WebSocketImpl: WebSocket as never, backoff: { minMs: 20, maxMs: 100 }, log: collectingLog(), persistence: new MemoryDevice().persistence },
      keepOpen: 0,
    }));
    const rowsOf = { get: () => workspace.summaries(), subscribe: (l: () => void) => workspace.subscribe(l) };

    const id = await workspace.createReceipt({ supplier: 'Acme' });
    const release = workspace.retain(id);
    const source = workspace.record(id);
    addReceiveLine(source.doc, workspace.author, { item: 'SKU-1', qty: 50 });
    await untilValue(source.synced, (s) => s.onRelay && s.savedOnDevice, 'the first line on the relay');
    await untilValue(workspace.client.connection, (c) => c.relayStore === 'store-A', 'store A told');

    // The backup: the relay's documents as they are now.
    const docs = path.join(f.dir, 'docs');
    await f.stop();
    await cp(docs, path.join(f.dir, 'backup'), { recursive: true });
    await f.start();

    // A later line, acknowledged by store A; then the record leaves the screen and is released into the record store.
    await untilValue(source.synced, (s) => s.live, 'live again');
    addReceiveLine(source.doc, workspace.author, { item: 'SKU-1', qty: 30 });
    await untilValue(source.synced, (s) => s.onRelay && s.savedOnDevice, 'the later line on the relay');
    release();
    await untilValue(rowsOf, () => workspace.heldRecord(id) === undefined && workspace.summaries().get(id)?.lines === 2, 'released into the record store');
    expect(workspace.summaries().get(id)?.pending).toBe(0);

    // The restore: store B, which lacks the later line.
    await f.stop();
    await rm(docs, { recursive: true, force: true });
    await cp(path.join(f.dir, 'backup'), docs, { recursive: true });
    f.storeId = 'store-B';
    const seen: Array<{ store: string | null; pending: number | undefined; allOnRelay: boolean }> = [];
    const note = (): void => void seen.push({ store: workspace.client.connection.get().relayStore, pending: workspace.summaries().get(id)?.pending, allOnRelay: workspace.client.status.get().allOnRelay });
    const offRows = workspace.subscribe(note);
    const offConnection = workspace.client.connection.subscribe(note);
    const offStatus = workspace.client.status.subscribe(note);
    await f.start();

    await untilValue(workspace.client.connection, (c) => c.relayStore === 'store-B', 'store B told');
    await untilValue(rowsOf, (s) => s.get(id)?.pending === 0 && workspace.client.status.get().allOnRelay, 'on the restored relay', 20_000);
    offRows();
    offConnection();
    offStatus();
    // From the moment store B is known: not on the relay, then on the relay, never back and forth.
    const onB = seen.filter((s) => s.store === 'store-B');
    const monotone = (flags: boolean[]): boolean => flags.length > 0 && !flags[0] && flags.every((on, i) => i === 0 || on || !flags[i - 1]);
    expect(monotone(onB.map((s) => s.pending === 0)), JSON.stringify(seen)).toBe(true);
    expect(monotone(onB.map((s) => s.allOnRelay)), JSON.stringify(seen)).toBe(true);
    expect(local.getItem('tally.recheck.main')).toBe('[]');

    await ws.destroy();
    ws = null;
    await f.stop();
    const onDisk = await f.readFromDisk(recordDocName(toRecordId(id)));
    expect(readRecord(onDisk).entries.flatMap((e) => (e.kind === 'line' ? [e.qty] : []))).toEqual([50, 30]);
  });
});
