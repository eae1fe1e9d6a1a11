/**
 * DocRoom on its own, over a MemoryDocStore: what a device opening a stored
 * record receives, and when.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocRoom, needsOnlyStoredBytes, type ReceiveResult } from '../../relay/sync/DocRoom';
import type { RoomPeer } from '../../relay/sync/RoomPeer';
import type { WritePolicy } from '../../relay/policy/writeRefusal';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import { resolveLimits } from '../../relay/limits';
import { silentLog } from '../../relay/log';
import { readSync, syncStep1 } from '../support/yMessages';
import { eventually } from '../support/rawClient';
import { storedEntryIds } from '../support/muxClient';

/** A policy that accepts every update as it is (the room's own behaviour under test, not the rules). */
function policyJudging(refusal: (update: Uint8Array) => string | null): WritePolicy {
  return {
    sender: { user: 'test', device: 'test', role: 'admin', open: true },
    refuseOpen: () => null,
    refuseAny: () => null,
    judge: (update) => {
      const reason = refusal(update);
      if (reason !== null) return { kind: 'refused', reason, missing: false };
      return { kind: 'accepted', update, claims: new Map(), entries: [], dropped: [] };
    },
  };
}
const openPolicy = policyJudging(() => null);

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

  describe('updates a device sent together', () => {
    /** Each change a Y.Doc makes, as the update it emits. */
    function updatesOf(doc: Y.Doc, ...ids: string[]): Uint8Array[] {
      const out: Uint8Array[] = [];
      const keep = (u: Uint8Array): void => void out.push(u);
      doc.on('update', keep);
      for (const id of ids) doc.getArray('entries').push([{ id }]);
      doc.off('update', keep);
      return out;
    }
    /** A peer whose writes are refused when they insert an entry with an id starting "bad". */
    function judgingPeer(): RoomPeer {
      const writes = policyJudging((update) =>
        Y.decodeUpdate(update).structs.some(
          (s) => s instanceof Y.Item && s.content.getContent().some((v) => String((v as { id?: unknown }).id).startsWith('bad')),
        )
          ? 'bad entry'
          : null,
      );
      return { ...peer(), writes };
    }

    it('applies them in one transaction and stores each', async () => {
      const store = new MemoryDocStore();
      const room = new DocRoom('record:R-1', store, resolveLimits({}), silentLog);
      await room.whenLoaded;
      let transactions = 0;
      room.doc.on('afterTransaction', () => transactions++);
      const updates = updatesOf(new Y.Doc(), 'a:1', 'a:2', 'a:3');
      expect(room.applyTogether(updates, peer())).toBe(true);
      await room.whenDurable();
      expect(transactions).toBe(1);
      expect(store.stats('record:R-1').updates).toBe(3);
      expect(await storedEntryIds(store, 'record:R-1')).toEqual(['a:1', 'a:2', 'a:3']);
      room.destroy();
    });

    it('gives them back, keeping nothing, when one is refused; one by one in their place, the others are kept', async () => {
      const store = new MemoryDocStore();
      const room = new DocRoom('record:R-1', store, resolveLimits({}), silentLog);
      await room.whenLoaded;
      const device = judgingPeer();
      const honest = new Y.Doc();
      const [first, second] = updatesOf(honest, 'a:1', 'a:2');
      const [forged] = updatesOf(new Y.Doc(), 'bad:1');
      const updates = [first!, forged!, second!];
      expect(room.applyTogether(updates, device)).toBe(false);
      // A change queued behind them is handled after the ones redone in place.
      const [later] = updatesOf(honest, 'a:3');
      const order: string[] = [];
      room.runInPlace(updates.map((u) => () => void order.push(room.applyUpdate(u, device).kind)));
      room.run(() => order.push(room.applyUpdate(later!, device).kind));
      await eventually(() => order.length === 4, 2_000, 'every change handled');
      expect(order).toEqual(['ok', 'refused', 'ok', 'ok']);
      await room.whenDurable();
      expect(await storedEntryIds(store, 'record:R-1')).toEqual(['a:1', 'a:2', 'a:3']);
      // Judged before it was applied: the refusal never made the room reload its document.
      expect(room.loaded).toBe(true);
      expect(room.doc.getArray('entries').toJSON().map((e) => (e as { id: string }).id)).toEqual(['a:1', 'a:2', 'a:3']);
      room.destroy();
    });
  });
});

