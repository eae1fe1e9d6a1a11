/**
 * DocRegistry's idle eviction over a MemoryDocStore, with time moved on by a
 * ManualScheduler instead of waited for.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocRegistry } from '../../relay/sync/DocRegistry';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import { resolveLimits } from '../../relay/limits';
import { silentLog } from '../../relay/log';
import type { RoomPeer } from '../../relay/sync/RoomPeer';
import type { WritePolicy } from '../../relay/policy/writeRefusal';
import { ManualScheduler } from '../support/ManualScheduler';

const IDLE_MS = 30_000;

const policy: WritePolicy = {
  sender: { user: 'test', device: 'test', role: 'admin', open: true },
  refuseOpen: () => null,
  refuseAny: () => null,
  judge: (update) => ({ kind: 'accepted', update, claims: new Map(), entries: [], dropped: [] }),
};
const peer: RoomPeer = { label: 'test', writes: policy, sendStateVector: () => {}, sendUpdate: () => {}, sendAwareness: () => {} };

function registry(): { registry: DocRegistry; time: ManualScheduler; store: MemoryDocStore } {
  const time = new ManualScheduler();
  const store = new MemoryDocStore();
  return { registry: new DocRegistry({ store, limits: resolveLimits({ idleEvictMs: IDLE_MS }), log: silentLog, scheduler: time }), time, store };
}

/** An update appending one entry. */
function change(): Uint8Array {
  const doc = new Y.Doc();
  doc.getArray('entries').push([{ id: 'a:1' }]);
  return Y.encodeStateAsUpdate(doc);
}

describe('DocRegistry eviction', () => {
  it('drops a room once it has been idle for idleEvictMs, and not before', async () => {
    const { registry: r, time } = registry();
    const room = r.get('record:R-1');
    room.runOnRead(() => room.subscribe(peer, { sendStateVector: false }));
    await room.whenLoaded;
    room.unsubscribe(peer);
    time.advance(IDLE_MS - 1);
    expect(r.size).toBe(1);
    time.advance(1);
    expect(r.size).toBe(0);
  });

  it('keeps a room opened again while its eviction was pending', async () => {
    const { registry: r, time } = registry();
    const room = r.get('record:R-1');
    room.runOnRead(() => room.subscribe(peer, { sendStateVector: false }));
    await room.whenLoaded;
    room.unsubscribe(peer);
    time.advance(IDLE_MS / 2);
    expect(r.get('record:R-1')).toBe(room);
    expect(time.pending).toBe(0);
    time.advance(IDLE_MS);
    expect(r.size).toBe(1);
  });

  it('waits for a room’s writes to be durable before it counts as idle', async () => {
    const { registry: r, time, store } = registry();
    const room = r.get('record:R-1');
    room.runOnRead(() => room.subscribe(peer, { sendStateVector: false }));
    await room.whenLoaded;
    const applied = room.apply([change()], peer);
    room.unsubscribe(peer);
    // Not idle while the write is pending: nothing is scheduled yet.
    expect(time.pending).toBe(0);
    expect(applied.kind).toBe('accepted');
    if (applied.kind === 'accepted') await applied.durable;
    time.advance(IDLE_MS);
    expect(r.size).toBe(0);
    expect(store.stats('record:R-1').updates).toBe(1);
  });
});
