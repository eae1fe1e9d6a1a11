/**
 * The Workspace's records on a device, against the real relay (LevelDB in a
 * temp folder, real sockets): shift start brings a site's records into the
 * device record store in bulk without opening one; records open as
 * documents only on demand and are released into the store; work the relay
 * lacks keeps its record open until acknowledged and survives a reload; a
 * record changed on the relay reaches the list without being opened; an
 * interrupted fetch resumes with only what is missing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient } from '../../client/sync';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { waitFor } from '../../client/sync/waitFor';
import { SeqCounter, type KeyValueStore } from '../../client/app/lib/device';
import { DeviceRecordStore, MemoryByteStore } from '../../client/app/lib/DeviceRecordStore';
import { HeldRecords, summarizeState } from '../../client/app/lib/HeldRecords';
import { startShift, type ShiftProgress } from '../../client/app/lib/shiftStart';
import type { FetchedState, FetchStatesRequest, StateFeed } from '../../client/app/lib/stateFeed';
import { MemorySetAsideStore } from '../../client/app/lib/SetAsideStore';
import { Workspace, type WorkspaceOptions } from '../../client/app/lib/Workspace';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { addReceiveLine, createAuthor, createReceipt, readRecord, recordDocName, toDeviceId, toRecordId } from '../../shared/model';
import type { IssuedToken } from '../../relay/auth/UserStore';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { collectingLog } from './syncFixtures';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';
import { untilValue } from '../support/eventually';

const lines = (ws: Workspace, id: string) => ws.record(id).get().entries.filter((e) => e.kind === 'line').length;

describe('Workspace: one device store, records opened on demand', () => {
  let fixture: RelayFixture;
  let users: MemoryUserStore;
  let writer: SyncClient;
  let ana: IssuedToken;
  let ben: IssuedToken;
  /** The simulated phone: its working copies, its record store and its localStorage outlive a Workspace (a reload). */
  let device: MemoryDevice;
  let bytes: MemoryByteStore;
  let local: KeyValueStore;
  const workspaces: Workspace[] = [];
  const feeds: Array<{ destroy(): Promise<void> }> = [];

  const syncOptions = () => ({ WebSocketImpl: WebSocket as never, backoff: { minMs: 20, maxMs: 100 }, log: collectingLog() });

  /** The Workspace of ana on the phone (a new one after each "reload"). */
  const workspace = (options: Partial<Pick<WorkspaceOptions, 'feed' | 'keepOpen'>> = {}): Workspace => {
    const ws = new Workspace({
      session: { token: ana.token, user: { id: ana.user.id, name: ana.user.name, role: ana.user.role }, site: 'main', relayUrl: fixture.url, signedInAt: 0 },
      device: toDeviceId('phone-1'),
      seq: new SeqCounter('phone-1', local),
      store: local,
      setAside: new MemorySetAsideStore(),
      records: new DeviceRecordStore(bytes),
      sync: { ...syncOptions(), persistence: device.persistence },
      ...options,
    });
    workspaces.push(ws);
    return ws;
  };

  /**
   * The sync client's feed, observed: a sync client of ana's phone of its own, online, whose
   * `fetchStates` calls `request` with each request and hands over what `batch` makes of each batch.
   */
  const observedFeed = async (observe: { request?: (request: FetchStatesRequest) => void; batch?: (batch: FetchedState[]) => FetchedState[] }): Promise<{ feed: StateFeed; online: () => boolean }> => {
    const standIn = createSyncClient({ url: fixture.url, token: ana.token, device: 'phone-1', persistence: 'none', ...syncOptions() });
    feeds.push(standIn);
    expect(await waitFor(standIn.connection, (c) => c.online, 5_000)).toBe(true);
    const { request: seen, batch: change } = observe;
    const feed: StateFeed = {
      watchChanges: (docs, onChanged) => standIn.watchChanges(docs, onChanged),
      fetchStates: (request) => {
        seen?.(request);
        return standIn.fetchStates(change ? { ...request, onBatch: (batch) => request.onBatch(change(batch)) } : request);
      },
    };
    return { feed, online: () => standIn.connection.online };
  };

  /** Receipts with three lines each, written by another device through /mux; resolves when the relay has them. */
  const seed = async (count: number, options: { daysAgo?: number; prefix?: string } = {}): Promise<string[]> => {
    const at = Date.now() - (options.daysAgo ?? 0) * 24 * 60 * 60 * 1000;
    const author = createAuthor({ user: ben.user.id, device: 'dock-9', now: () => at, firstSeq: options.daysAgo ? 100_000 : 1 });
    const ids = Array.from({ length: count }, (_, i) => `${options.prefix ?? 'R-SEED'}-${String(i).padStart(3, '0')}`);
    await Promise.all(
      ids.map(async (id) => {
        const doc = writer.open(recordDocName(toRecordId(id))).doc;
        // A delivery note of 1.5 KB each: enough records come in several of the relay's 64 KB frames.
        createReceipt(doc, author, { id, site: 'main', supplier: `Supplier ${id}`, notes: 'n'.repeat(1_500) });
        for (let l = 0; l < 3; l++) addReceiveLine(doc, author, { item: `SKU-${l}`, qty: l + 1 });
      }),
    );
    const report = await writer.flushAndWait(20_000);
    expect(report.ok, JSON.stringify(report.lastError)).toBe(true);
    await Promise.all(ids.map((id) => writer.close(recordDocName(toRecordId(id)))));
    return ids;
  };

  beforeEach(async () => {
    users = new MemoryUserStore();
    fixture = await startRelayFixture({ users });
    ana = await users.add({ name: 'ana', role: 'crew' });
    ben = await users.add({ name: 'ben', role: 'crew' });
    writer = createSyncClient({ url: fixture.url, token: ben.token, device: 'dock-9', persistence: 'none', ...syncOptions() });
    device = new MemoryDevice();
    bytes = new MemoryByteStore();
    local = memoryKeyValueStore();
  });
  afterEach(async () => {
    for (const ws of workspaces.splice(0)) await ws.destroy();
    for (const feed of feeds.splice(0)) await feed.destroy();
    await writer.destroy();
    await fixture.cleanup();
  });

  it('shift start stores 60 records in bulk with a moving progress bar, opening none; the list reads their summaries', async () => {
    const ids = await seed(60);
    const ws = workspace();
    const progress: ShiftProgress[] = [];
    const final = await startShift(ws, (p) => progress.push(p), { store: local });

    expect(final.phase).toBe('ready');
    expect(final.message).toMatch(/60 records/);
    const recordSteps = progress.filter((p) => p.phase === 'records').map((p) => p.done);
    expect(new Set(recordSteps).size).toBeGreaterThan(2);
    expect(recordSteps).toEqual([...recordSteps].sort((a, b) => a - b));
    expect(ws.heldRecords()).toEqual([]);
    expect([...device.docs.keys()].filter((name) => name.startsWith('record:'))).toEqual([]);

    const rows = ws.recordRows();
    expect(rows.map((r) => r.id).sort()).toEqual(ids);
    expect(rows.every((r) => r.onDevice && r.labels.includes('onRelay'))).toBe(true);
    expect(ws.summaries().get(ids[7] as string)).toMatchObject({ title: `Supplier ${ids[7]}`, lines: 3, qty: 6 });
    expect((await ws.storageUse()).records).toBe(60);
  });

  it('shift start lets go of held records older than the 30 days it fetches, keeping one on screen', async () => {
    const old = await seed(2, { daysAgo: 45, prefix: 'R-OLD' });
    const recent = await seed(3);
    const ws = workspace();
    await ws.held.whenLoaded;
    expect(await waitFor(ws.client.connection, (c) => c.online, 5_000)).toBe(true);
    expect((await ws.fetchRecords(old)).complete).toBe(true);
    expect(ws.summaries().has(old[0] as string)).toBe(true);
    const release = ws.retain(old[1] as string);

    expect((await startShift(ws, () => undefined, { store: local })).phase).toBe('ready');
    expect(ws.summaries().has(old[0] as string)).toBe(false);
    expect(ws.summaries().has(old[1] as string)).toBe(true);
    expect(recent.every((id) => ws.summaries().has(id))).toBe(true);
    expect((await ws.storageUse()).records).toBe(4);
    release();
  });

  it('opens a record from the store with no network, keeps the 5 most recent open and releases the rest into the store', async () => {
    const ids = await seed(8);
    const first = workspace();
    expect((await startShift(first, () => undefined, { store: local })).phase).toBe('ready');
    await first.destroy();

    // A cold start with the relay unreachable: the list comes from the store alone.
    await fixture.stop();
    const ws = workspace();
    await ws.held.whenLoaded;
    expect(ws.recordRows().map((r) => r.id).sort()).toEqual(ids);
    for (const id of ids) {
      const release = ws.retain(id);
      const source = ws.record(id);
      await untilValue(source, (v) => v.meta !== null, `${id} built from the store`);
      expect(lines(ws, id)).toBe(3);
      release();
    }
    await untilValue(ws.viewsSource, (views) => views.length === 5, 'only the 5 most recent records open');
    expect(ws.heldRecords().map((s) => s.id)).toEqual(ids.slice(3));
    // Nothing was written, so nothing is pending, and the list still shows every record.
    expect(ws.recordRows().every((r) => r.pending === 0)).toBe(true);
    expect(ws.recordRows()).toHaveLength(8);
  });

  it('work the relay lacks keeps its record open and survives a reload; once acknowledged it is released', async () => {
    const ids = await seed(7);
    const first = workspace({ keepOpen: 0 });
    expect((await startShift(first, () => undefined, { store: local })).phase).toBe('ready');
    const target = ids[2] as string;

    first.client.connection.disconnect();
    const release = first.retain(target);
    const source = first.record(target);
    await untilValue(source, (v) => v.meta !== null, 'the record built from the store');
    addReceiveLine(source.doc, first.author, { item: 'SKU-NEW', qty: 11 });
    release();
    expect(first.heldRecord(target)).toBe(source);
    expect(first.recordRows().find((r) => r.id === target)).toMatchObject({ pending: 1, labels: ['deviceOnly'] });
    await first.destroy();

    // Reload, still offline: the record with pending work is open again, with its line, still pending.
    const second = workspace({ keepOpen: 0 });
    const reopened = second.heldRecord(target);
    expect(reopened).toBeDefined();
    await untilValue(reopened!, (v) => v.sync.loaded && v.meta !== null, 'the working copy read and the record built from the store');
    expect(reopened!.get().sync.pending).toBe(1);
    expect(lines(second, target)).toBe(4);
    await second.held.whenLoaded;
    expect(second.recordRows()).toHaveLength(7);

    second.client.connection.reconnectNow();
    await untilValue(second.viewsSource, (views) => views.length === 0, 'the acknowledged record released');
    const summary = await untilValue(second.summariesSource, (s) => s.get(target)?.lines === 4 && s.get(target)?.pending === 0, 'its summary in the store');
    expect(summary.get(target)?.qty).toBe(17);
  });

  it('a change on an open record is pending in the lists at once, and summarized there after the frame that shows it', async () => {
    const ids = await seed(3);
    const ws = workspace();
    expect((await startShift(ws, () => undefined, { store: local })).phase).toBe('ready');
    const target = ids[1] as string;
    ws.client.connection.disconnect();
    const release = ws.retain(target);
    const source = ws.record(target);
    await untilValue(source, (v) => v.sync.loaded && v.meta !== null, 'the record built from the store');
    const before = await untilValue(ws.summariesSource, (s) => s.get(target)?.lines === 3, 'its summary');
    expect(before.get(target)).toMatchObject({ pending: 0, qty: 6 });

    addReceiveLine(source.doc, ws.author, { item: 'SKU-NEW', qty: 11 });
    // The record's own screen has the line at once; the lists count it as pending at once, never as on the relay,
    // and summarize it a moment later (never stuck on the last summary).
    expect(lines(ws, target)).toBe(4);
    expect(ws.summaries().get(target)).toMatchObject({ pending: 1 });
    expect(ws.recordRows().find((r) => r.id === target)).toMatchObject({ pending: 1 });
    const after = await untilValue(ws.summariesSource, (s) => s.get(target)?.lines === 4, 'the summary of the change');
    expect(after.get(target)).toMatchObject({ qty: 17, pending: 1 });
    release();
  });

  it('a recent record kept open with every change acknowledged is not reopened at the next start; one written again is', async () => {
    const ids = await seed(3);
    const first = workspace();
    expect((await startShift(first, () => undefined, { store: local })).phase).toBe('ready');
    const [kept, written] = [ids[0] as string, ids[1] as string];
    for (const id of [kept, written]) {
      const release = first.retain(id);
      const source = first.record(id);
      await untilValue(source, (v) => v.meta !== null, `${id} built from the store`);
      addReceiveLine(source.doc, first.author, { item: 'SKU-NEW', qty: 5 });
      await untilValue(source, (v) => v.sync.pending === 0 && v.sync.loaded, `${id} acknowledged`);
      release();
    }
    // Both stay open (the 5 most recent), acknowledged; the store catches up a moment later.
    await untilValue(first.summariesSource, (s) => s.get(kept)?.lines === 4 && s.get(written)?.lines === 4, 'both stored with their new line');
    expect(first.heldRecords().map((s) => s.id).sort()).toEqual([kept, written].sort());

    // One more line on `written`, made offline: it must be open after the reload, `kept` need not be.
    first.client.connection.disconnect();
    addReceiveLine(first.record(written).doc, first.author, { item: 'SKU-OFF', qty: 1 });
    await first.destroy();

    const second = workspace();
    expect(second.heldRecord(kept)).toBeUndefined();
    const reopened = second.heldRecord(written);
    expect(reopened).toBeDefined();
    await untilValue(reopened!, (v) => v.sync.loaded && v.meta !== null, 'the working copy read and the record built from the store');
    expect(reopened!.get().sync.pending).toBe(1);
    expect(lines(second, written)).toBe(5);
    await second.held.whenLoaded;
    expect(second.summaries().get(kept)).toMatchObject({ lines: 4, qty: 11, pending: 0 });
    // And it still opens, from the store, with the line it was given.
    const release = second.retain(kept);
    await untilValue(second.record(kept), (v) => v.meta !== null, 'the clean record built from the store');
    expect(lines(second, kept)).toBe(4);
    release();
  });

  it('a record changed on the relay while the device is online reaches the list without being opened', async () => {
    const ids = await seed(5);
    const ws = workspace();
    expect((await startShift(ws, () => undefined, { store: local })).phase).toBe('ready');
    const target = ids[4] as string;

    const other = writer.open(recordDocName(toRecordId(target)));
    await untilValue(other, (s) => s.relaySynced, 'the writer has the record');
    addReceiveLine(other.doc, createAuthor({ user: ben.user.id, device: 'dock-9', firstSeq: 100 }), { item: 'SKU-X', qty: 40 });
    expect((await writer.flushAndWait(10_000)).ok).toBe(true);

    await untilValue(ws.summariesSource, (s) => s.get(target)?.lines === 4, 'the changed record in the list');
    expect(ws.summaries().get(target)?.qty).toBe(46);
    expect(ws.heldRecord(target)).toBeUndefined();
  });

  it('shift start and the background catch-up share one exchange: each record is fetched once', async () => {
    const ids = await seed(30);
    const asked: string[] = [];
    // Every record each exchange asks for.
    const observed = await observedFeed({ request: (request) => asked.push(...request.docs.map((d) => d.name)) });
    // The workspace starts fetching the site's recent records on its own as soon as the site data is in;
    // shift start, tapped at once, asks for the same records.
    const ws = workspace({ feed: observed.feed });
    const progress: number[] = [];
    const final = await startShift(ws, (p) => p.phase === 'records' && progress.push(p.done), { store: local });
    expect(final.phase).toBe('ready');
    expect(ids.every((id) => ws.summaries().has(id))).toBe(true);
    expect(asked.filter((name) => name.startsWith('record:')).sort()).toEqual(ids.map((id) => `record:${id}`).sort());
    expect(progress.at(-1)).toBe(31);
  });

  it('an interrupted fetch says so, and the next one (by the stored state vectors) brings only what is still missing', async () => {
    const ids = await seed(40);
    const answered: number[] = [];
    const abort = new AbortController();
    // How many answers carried something; the first fetch is stopped while its first batch is handed over.
    const observed = await observedFeed({
      batch: (batch) => {
        answered.push(batch.filter((b) => b.update.length > 2).length);
        abort.abort();
        return batch;
      },
    });
    const held = new HeldRecords({ store: new DeviceRecordStore(bytes), feed: observed.feed, online: observed.online });
    await held.whenLoaded;

    const partial = await held.fetch(ids, { signal: abort.signal });
    expect(partial.complete).toBe(false);
    const heldAfterPartial = held.summaries().size;
    // Exactly the batch being handed over when it stopped.
    expect(answered).toHaveLength(1);
    expect(heldAfterPartial).toBe(answered[0]);
    expect(heldAfterPartial).toBeGreaterThan(0);
    expect(heldAfterPartial).toBeLessThan(40);

    answered.length = 0;
    expect((await held.fetch(ids)).complete).toBe(true);
    expect(held.summaries().size).toBe(40);
    expect(answered.reduce((a, b) => a + b, 0)).toBe(40 - heldAfterPartial);
  });

  it('takes the relay\'s summaries of records fetched whole, the same as the device would make; one that does not read is made on the device', async () => {
    const ids = await seed(12);
    let relaySummaries = 0;
    // The relay's summary of one record is spoilt on the way.
    const observed = await observedFeed({
      batch: (batch) => {
        relaySummaries += batch.filter((b) => b.summary).length;
        return batch.map((b) => (b.name === `record:${ids[3]}` ? { ...b, summary: '{"id":"someone else"}' } : b));
      },
    });
    const ownBytes = new MemoryByteStore();
    const held = new HeldRecords({ store: new DeviceRecordStore(ownBytes), feed: observed.feed, online: observed.online });
    await held.whenLoaded;
    expect((await held.fetch(ids)).complete).toBe(true);
    expect(relaySummaries).toBe(12);
    for (const id of ids) {
      const state = (await held.state(id))!;
      expect(held.summaries().get(id), id).toEqual(summarizeState(id, state));
    }
    const vectors = await new DeviceRecordStore(ownBytes).stateVectors(ids);
    for (const id of ids) expect(vectors.get(id), id).toEqual(Y.encodeStateVectorFromUpdate((await held.state(id))!));
    held.close();
  });
});

describe('Y.mergeUpdates of stored and fetched state', () => {
  it('is the same record as the full state', () => {
    const doc = new Y.Doc();
    const author = createAuthor({ user: 'ana', device: 'dock-1' });
    createReceipt(doc, author, { id: 'R-1', site: 'main' });
    const before = Y.encodeStateAsUpdate(doc);
    addReceiveLine(doc, author, { item: 'SKU-1', qty: 2 });
    const merged = Y.mergeUpdates([before, Y.encodeStateAsUpdate(doc, Y.encodeStateVectorFromUpdate(before))]);
    const back = new Y.Doc();
    Y.applyUpdate(back, merged);
    expect(readRecord(back)).toEqual(readRecord(doc));
  });
});
