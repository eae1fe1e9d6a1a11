/**
 * RoomLog over a MemoryDocStore: the ordered path to disk of one room, and
 * compaction while the document stays open.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RoomLog, snapshotOf } from '../../relay/sync/RoomLog';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import { resolveLimits } from '../../relay/limits';
import { silentLog } from '../../relay/log';
import { eventually } from '../support/eventually';
import { storedEntryIds } from '../support/muxClient';

/** A document and the update each of its appends made, with the clocks it reached. */
function lines(n: number): { doc: Y.Doc; updates: { update: Uint8Array; until: Map<number, number> }[] } {
  const doc = new Y.Doc();
  const updates: { update: Uint8Array; until: Map<number, number> }[] = [];
  doc.on('update', (update: Uint8Array) => updates.push({ update, until: Y.decodeStateVector(Y.encodeStateVector(doc)) }));
  for (let i = 0; i < n; i++) doc.getArray('entries').push([{ id: `d:${i}` }]);
  return { doc, updates };
}


describe('RoomLog', () => {
  it('appends in order, resolves once durable, and counts what the store holds', async () => {
    const store = new MemoryDocStore();
    let settled = 0;
    const log = new RoomLog({ name: 'record:R-1', store, limits: resolveLimits({}), log: silentLog, snapshot: () => null, onSettled: () => settled++ });
    const { updates } = lines(3);
    for (const { update, until } of updates) log.append(update, until, false);
    expect(log.pendingWrites).toBe(3);
    await log.whenDurable();
    expect([log.pendingWrites, settled]).toEqual([0, 3]);
    expect(log.approxBytes).toBe(updates.reduce((sum, u) => sum + u.update.byteLength, 0));
    expect(await storedEntryIds(store, 'record:R-1')).toEqual(['d:0', 'd:1', 'd:2']);
  });

  it("keeps a copy of an update that is a view into the socket's read buffer, and hands on that copy", () => {
    const log = new RoomLog({ name: 'record:R-1', store: new MemoryDocStore(), limits: resolveLimits({}), log: silentLog, snapshot: () => null, onSettled: () => {} });
    const { updates } = lines(1);
    const socketBuffer = new Uint8Array(65_536);
    socketBuffer.set(updates[0]!.update, 100);
    const view = socketBuffer.subarray(100, 100 + updates[0]!.update.byteLength);
    const { update } = log.append(view, updates[0]!.until, false);
    expect(update.buffer).not.toBe(socketBuffer.buffer);
    socketBuffer.fill(0); // the socket reuses its buffer for the next read
    expect(update).toEqual(updates[0]!.update);
  });

  it('replaces the log with the snapshot once past the limit, and answers from it', async () => {
    const store = new MemoryDocStore();
    const { doc, updates } = lines(5);
    const log = new RoomLog({ name: 'record:R-1', store, limits: resolveLimits({ compactAfterUpdates: 5 }), log: silentLog, snapshot: () => snapshotOf(doc), onSettled: () => {} });
    for (const { update, until } of updates) log.append(update, until, false);
    await eventually(() => store.stats('record:R-1').updates === 1, 2_000, 'compaction');
    await log.whenDurable();
    expect(await storedEntryIds(store, 'record:R-1')).toEqual(['d:0', 'd:1', 'd:2', 'd:3', 'd:4']);
    expect(log.missing(new Map())).toEqual([Y.encodeStateAsUpdate(doc)]);
    expect(log.missing(Y.decodeStateVector(Y.encodeStateVector(doc)))).toEqual([]);
  });

  it('does not compact while the room cannot give a snapshot', async () => {
    const store = new MemoryDocStore();
    const { updates } = lines(5);
    const log = new RoomLog({ name: 'record:R-1', store, limits: resolveLimits({ compactAfterUpdates: 5 }), log: silentLog, snapshot: () => null, onSettled: () => {} });
    for (const { update, until } of updates) log.append(update, until, false);
    await log.whenDurable();
    await new Promise((r) => setImmediate(r));
    expect(store.stats('record:R-1').updates).toBe(5);
  });
});
