/**
 * The way out of a refused change, through the app's Workspace against the
 * real relay (relay/createRelay.ts over LevelDB, with users): the refused
 * copy is set aside, the record is reopened from the relay under a new Yjs
 * client id, and what the user's role still allows is recorded again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { MemoryDevice } from '../../client/sync/MemoryDocPersistence';
import { waitFor, type Subscribable } from '../../client/sync/waitFor';
import { SeqCounter, type KeyValueStore } from '../../client/app/lib/device';
import type { RecordView } from '../../client/app/lib/RecordSource';
import { MemorySetAsideStore, type SetAsideWork } from '../../client/app/lib/SetAsideStore';
import { entryText, refusalNotice, setAsideExport } from '../../client/app/lib/setAsideText';
import { Workspace } from '../../client/app/lib/Workspace';
import { MemoryUserStore } from '../../relay/auth/MemoryUserStore';
import { addComment, addReceiveLine, readRecord, toDeviceId, type Entry } from '../../shared/model';
import type { IssuedToken } from '../../relay/auth/UserStore';
import { startRelayFixture, type RelayFixture } from './relayFixture';
import { collectingLog } from './syncFixtures';
import { memoryKeyValueStore } from '../support/memoryKeyValueStore';

const linesOf = (entries: readonly Entry[]) => entries.flatMap((e) => (e.kind === 'line' ? [e.qty] : []));

async function until<T>(source: Subscribable<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const ok = await waitFor(source, check, 10_000);
  expect(ok, `timed out waiting for ${what}`).toBe(true);
  return source.get();
}

describe('RefusalRecovery with the real relay', () => {
  let fixture: RelayFixture;
  let users: MemoryUserStore;
  let device: MemoryDevice;
  let local: KeyValueStore;
  let setAside: MemorySetAsideStore;
  const workspaces: Workspace[] = [];

  /** A workspace for `signedIn` on the one simulated device, not yet connected. */
  const workspace = ({ user, token }: IssuedToken, deviceId = 'dev-1'): Workspace => {
    const ws = new Workspace({
      session: { token, user: { id: user.id, name: user.name, role: user.role }, site: 'main', relayUrl: fixture.url, signedInAt: 0 },
      device: toDeviceId(deviceId),
      seq: new SeqCounter(deviceId, local),
      store: local,
      setAside,
      sync: { WebSocketImpl: WebSocket as never, persistence: device.persistence, backoff: { minMs: 20, maxMs: 100 }, autoConnect: false, log: collectingLog() },
    });
    workspaces.push(ws);
    return ws;
  };
  /** Creates a receipt online and waits until the relay has everything. */
  const onlineReceipt = async (ws: Workspace): Promise<string> => {
    ws.client.connection.reconnectNow();
    const id = await ws.createReceipt({ supplier: 'ACME' });
    addReceiveLine(ws.record(id).doc, ws.author, { item: 'SKU-1', qty: 5 });
    expect((await ws.client.flushAndWait(10_000)).ok).toBe(true);
    return id;
  };
  const recovered = (ws: Workspace): Promise<readonly SetAsideWork[]> =>
    until(ws.refusals, (works) => works.length === 1 && works[0]?.outcome !== null, 'the refused work set aside and recorded again');

  beforeEach(async () => {
    users = new MemoryUserStore();
    fixture = await startRelayFixture({ users });
    device = new MemoryDevice();
    local = memoryKeyValueStore();
    setAside = new MemorySetAsideStore();
  });
  afterEach(async () => {
    for (const ws of workspaces.splice(0)) await ws.destroy();
    await fixture.cleanup();
  });

  it("a crew made auditor while offline: the line is set aside and the record shows the relay's copy, nothing pending", async () => {
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const ws = workspace(ana);
    const id = await onlineReceipt(ws);
    const source = ws.record(id);
    const refusedDoc = source.synced;

    ws.client.connection.disconnect();
    addReceiveLine(source.doc, ws.author, { item: 'SKU-1', qty: 7, lot: 'L7' });
    await users.setRole('ana', 'auditor');
    ws.client.connection.reconnectNow();

    const [work] = await recovered(ws);
    expect(work).toMatchObject({ doc: `record:${id}`, recordId: id, user: ana.user.id, code: 3, reason: 'auditor may not write', refusedChanges: 1 });
    expect(work?.outcome).toEqual({ role: 'auditor', reRecorded: 0, notReRecorded: [{ id: expect.any(String), why: 'your role (auditor) may not write' }] });
    expect(work?.refused?.map(entryText)).toEqual(['line: 7 x SKU-1 (lot L7)']);
    expect(refusalNotice(work as SetAsideWork)).toBe(
      '1 change to this record was refused by the relay: permission denied: auditor may not write. 0 entries were recorded again; 1 could not be.',
    );
    // The set-aside state holds the refused line; the export carries it and the state.
    const kept = new Y.Doc();
    Y.applyUpdate(kept, (work as SetAsideWork).state);
    expect(linesOf(readRecord(kept).entries)).toEqual([5, 7]);
    const exported = JSON.parse(setAsideExport(work as SetAsideWork).json) as { entries: Entry[]; reason: string; state: { yjsUpdate: string } };
    expect(linesOf(exported.entries)).toEqual([7]);
    expect(exported.reason).toBe('auditor may not write');
    expect(exported.state.yjsUpdate.length).toBeGreaterThan(0);

    // The record now reads the relay's copy, under a new client id, with nothing pending.
    const view = await until<RecordView>(source, (v) => v.sync.relaySynced && v.sync.refused === null, 'the relay copy');
    expect(source.synced).not.toBe(refusedDoc);
    expect(source.doc.clientID).not.toBe(refusedDoc.doc.clientID);
    expect(linesOf(view.entries)).toEqual([5]);
    expect(view.sync).toMatchObject({ pending: 0, onRelay: true, stuck: false });
    expect(ws.client.status.get().stuckDocs).toEqual([]);

    await ws.refusals.discard(work?.id as string);
    expect(ws.refusals.get()).toEqual([]);
    expect(setAside.works.size).toBe(0);
  });

  it("a device signed in by someone else: their work is not made again, the new user's work is", async () => {
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const ben = await users.add({ name: 'ben', role: 'crew' });
    const first = workspace(ana);
    const id = await onlineReceipt(first);
    first.client.connection.disconnect();
    addReceiveLine(first.record(id).doc, first.author, { item: 'SKU-1', qty: 50 });
    await first.destroy();

    // Ben signs in on the same handheld (under his own device id: a device id belongs to one user),
    // offline, and works on the record that still holds Ana's pending line.
    const second = workspace(ben, 'dev-2');
    const source = second.record(id);
    await source.synced.whenLoaded;
    expect(linesOf(source.get().entries)).toEqual([5, 50]);
    addReceiveLine(source.doc, second.author, { item: 'SKU-1', qty: 30 });
    second.actions.saveField(source, 'dock', '4');
    second.client.connection.reconnectNow();

    const [work] = await recovered(second);
    // Ana's line is under her client id, which the relay does not take from Ben; his work builds on it.
    expect(work?.reason).toMatch(/builds on changes the relay does not have/);
    expect(work?.refused?.map(entryText)).toEqual(['line: 50 x SKU-1', 'line: 30 x SKU-1', 'dock: (empty) -> 4']);
    expect(work?.outcome).toMatchObject({ role: 'crew', reRecorded: 2, notReRecorded: [{ why: `made by another user (${ana.user.id}), not in your name` }] });
    expect(refusalNotice(work as SetAsideWork)).toMatch(/^\d changes to this record were refused by the relay: waiting for changes the relay lacks: .*\. 2 entries were recorded again; 1 could not be\.$/);

    // Ben's line and dock are on the relay, made again by Ben; Ana's line is only in the set-aside copy.
    const view = await until<RecordView>(source, (v) => v.sync.onRelay && linesOf(v.entries).length === 2, "Ben's work on the relay");
    expect(linesOf(view.entries)).toEqual([5, 30]);
    expect(view.entries.find((e) => e.kind === 'line' && e.qty === 30)).toMatchObject({ user: ben.user.id, device: 'dev-2' });
    expect(view.fields.dock).toBe('4');
    expect(second.refusals.get()).toHaveLength(1);
  });

  it('a record past its size limit: the comment is made again once, refused again, and then only set aside', async () => {
    await fixture.cleanup();
    fixture = await startRelayFixture({ users, limits: { maxDocBytes: 3000 } });
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const ws = workspace(ana);
    const id = await onlineReceipt(ws);
    const source = ws.record(id);
    addComment(source.doc, ws.author, 'x'.repeat(3500));

    const works = await until(ws.refusals, (list) => list.length === 2 && list.every((w) => w.outcome !== null), 'two set-aside copies');
    await ws.refusals.whenIdle();
    expect(works.map((w) => [w.code, w.outcome?.reRecorded, w.outcome?.notReRecorded.map((n) => n.why)])).toEqual([
      [2, 1, []],
      [2, 0, ['refused again right after it was recorded again; not tried a third time']],
    ]);
    expect(works[0]?.message).toMatch(/^document too large: document record:\S+ would exceed 3000 bytes$/);
    expect(ws.refusals.get()).toHaveLength(2);
    const view = await until<RecordView>(source, (v) => v.sync.relaySynced && v.sync.refused === null, 'the relay copy');
    expect(view.entries.filter((e) => e.kind === 'comment')).toEqual([]);
    expect(view.sync.pending).toBe(0);
  });

  it('keeps a line written to the refused document while it is being reopened, and records it again', async () => {
    await fixture.cleanup();
    fixture = await startRelayFixture({ users, limits: { maxDocBytes: 3000 } });
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const ws = workspace(ana);
    const id = await onlineReceipt(ws);
    const source = ws.record(id);
    const refusedDoc = source.synced;
    // As soon as the refused copy is set aside, a scan still lands in the refused document.
    const off = ws.refusals.subscribe(() => {
      off();
      addReceiveLine(refusedDoc.doc, ws.author, { item: 'SKU-1', qty: 9 });
    });
    addComment(source.doc, ws.author, 'x'.repeat(3500));

    const works = await until(ws.refusals, (list) => list.length === 2 && list.every((w) => w.outcome !== null), 'two set-aside copies');
    expect(works[0]?.refused?.map(entryText)).toEqual([`comment: ${'x'.repeat(3500)}`, 'line: 9 x SKU-1']);
    expect(works[0]?.outcome?.reRecorded).toBe(2);
  });

  it('finishes a recovery a reload interrupted (set aside, not yet recorded again) without doubling a line', async () => {
    const ana = await users.add({ name: 'ana', role: 'crew' });
    const first = workspace(ana);
    const id = await onlineReceipt(first);
    first.client.connection.disconnect();
    addReceiveLine(first.record(id).doc, first.author, { item: 'SKU-1', qty: 7 });
    const state = Y.encodeStateAsUpdate(first.record(id).doc);
    await first.destroy();
    // The app stopped right after setting the refused copy aside.
    await setAside.put({
      id: 'w1',
      doc: `record:${id}`,
      recordId: id,
      user: ana.user.id,
      code: 3,
      reason: 'too large',
      message: 'document too large: too large',
      at: 1,
      refusedChanges: 1,
      state,
      refused: null,
      outcome: null,
    });

    const again = workspace(ana);
    await again.refusals.whenLoaded;
    again.client.connection.reconnectNow();
    const [work] = await recovered(again);
    expect(work).toMatchObject({ id: 'w1', outcome: { role: 'crew' } });
    const source = again.record(id);
    const view = await until<RecordView>(source, (v) => v.sync.relaySynced && v.sync.onRelay && linesOf(v.entries).length === 2, 'the line on the relay');
    expect(linesOf(view.entries)).toEqual([5, 7]);
    expect(again.refusals.get()).toHaveLength(1);
  });
});
