/**
 * DocRoom on its own, over a MemoryDocStore: what a device opening a stored
 * record receives, and when.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocRoom, needsOnlyStoredBytes, type ReceiveResult } from '../../relay/sync/DocRoom';
import type { RoomPeer } from '../../relay/sync/RoomPeer';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import { resolveLimits } from '../../relay/limits';
import { silentLog } from '../../relay/log';
import { readSync, syncStep1 } from '../support/yMessages';

const openPolicy = { refuseAny: () => null, refuseChange: () => null };

function peer(): RoomPeer & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  return { label: 'test', writes: openPolicy, sent, send: (m) => sent.push(m) };
}

/** A store holding one compacted record of `lines` lines. */
async function storeWithRecord(lines: number): Promise<{ store: MemoryDocStore; source: Y.Doc }> {
  const source = new Y.Doc();
  source.getArray('entries').push(Array.from({ length: lines }, (_, i) => ({ id: `d:${i}`, sku: `SKU-${i % 50}` })));
  const store = new MemoryDocStore();
  await store.append('record:R-1', Y.encodeStateAsUpdate(source));
  return { store, source };
}

describe('DocRoom', () => {
  it('answers a fresh device from the stored bytes before it builds the document', async () => {
    const { store, source } = await storeWithRecord(2_000);
    const room = new DocRoom('record:R-1', store, resolveLimits({}), silentLog);
    const device = peer();
    const ask = syncStep1(Y.encodeStateVector(new Y.Doc()));
    expect(needsOnlyStoredBytes(ask)).toBe(true);
    let answer: ReceiveResult | undefined;
    let builtWhenAnswered = true;
    room.runOnRead(() => room.subscribe(device, { sendSyncStep1: true }));
    room.runOnRead(() => {
      answer = room.receive(ask, device);
      builtWhenAnswered = room.loaded;
    });
    await room.whenLoaded;
    expect(builtWhenAnswered).toBe(false);
    const copy = new Y.Doc();
    for (const reply of answer!.kind === 'ok' ? answer!.replies ?? [] : []) Y.applyUpdate(copy, readSync(reply)!.payload);
    expect(copy.getArray('entries').toJSON()).toEqual(source.getArray('entries').toJSON());
    // The relay's own step 1 follows once the document is built.
    expect(device.sent.map((m) => readSync(m)?.syncType)).toEqual([0]);
    room.unsubscribe(device);
    room.destroy();
  });

  it('sends a reconnecting device only the updates it lacks', async () => {
    const { store, source } = await storeWithRecord(100);
    const room = new DocRoom('record:R-1', store, resolveLimits({}), silentLog);
    await room.whenLoaded;
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(source));
    const writer = peer();
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(source));
    other.on('update', (u: Uint8Array) => room.run(() => room.applyUpdate(u, writer)));
    other.getArray('entries').push([{ id: 'e:1', sku: 'SKU-NEW' }]);
    const answer = room.receive(syncStep1(Y.encodeStateVector(device)), peer());
    const replies = answer.kind === 'ok' ? answer.replies ?? [] : [];
    expect(replies.length).toBe(1);
    expect(replies[0]!.byteLength).toBeLessThan(100);
    Y.applyUpdate(device, readSync(replies[0]!)!.payload);
    expect(device.getArray('entries').length).toBe(101);
    room.destroy();
  });
});
