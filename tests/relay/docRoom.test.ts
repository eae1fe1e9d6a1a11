/**
 * DocRoom on its own, over a MemoryDocStore: what a device opening a stored
 * record receives, and when.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocRoom, type Applied } from '../../relay/sync/DocRoom';
import { needsOnlyStoredBytes, stepOneAnswer, stepOneMessage, updateMessage } from '../../relay/net/ywsCodec';
import { Broadcast } from '../../relay/sync/RoomPeer';
import type { RoomPeer } from '../../relay/sync/RoomPeer';
import type { WritePolicy } from '../../relay/policy/writeRefusal';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import { resolveLimits } from '../../relay/limits';
import { silentLog } from '../../relay/log';
import { readSync, syncStep1 } from '../support/yMessages';
import { eventually } from '../support/eventually';
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

/** A peer that keeps what the room sends it, as the y-websocket messages `/sync/` would send. */
function peer(): RoomPeer & { sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  return {
    label: 'test',
    writes: openPolicy,
    sent,
    sendStateVector: (sv) => sent.push(stepOneMessage(sv)),
    sendUpdate: (u) => sent.push(updateMessage(u, new Broadcast())),
    sendAwareness: () => {},
  };
}

/** What `room.apply` answers, in the words of the old tests: ok or refused. */
function kindOf(applied: Applied): string {
  return applied.kind === 'accepted' ? 'ok' : applied.kind;
}

/** The answer to a device's sync step 1, as the endpoints build it. */
function answerStepOne(room: DocRoom, ask: Uint8Array): Uint8Array[] {
  return stepOneAnswer(room.missing(readSync(ask)!.payload));
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
    const room = new DocRoom({ name: 'record:R-1', store, limits: resolveLimits({}), log: silentLog });
    const device = peer();
    const ask = syncStep1(Y.encodeStateVector(new Y.Doc()));
    expect(needsOnlyStoredBytes(ask)).toBe(true);
    let answer: Uint8Array[] | undefined;
    let builtWhenAnswered = true;
    room.runOnRead(() => room.subscribe(device, { sendStateVector: true }));
    room.runOnRead(() => {
      answer = answerStepOne(room, ask);
      builtWhenAnswered = room.loaded;
    });
    await room.whenLoaded;
    expect(builtWhenAnswered).toBe(false);
    const copy = new Y.Doc();
    for (const reply of answer ?? []) Y.applyUpdate(copy, readSync(reply)!.payload);
    expect(copy.getArray('entries').toJSON()).toEqual(source.getArray('entries').toJSON());
    // The relay's own step 1 follows once the document is built.
    expect(device.sent.map((m) => readSync(m)?.syncType)).toEqual([0]);
    room.unsubscribe(device);
    room.destroy();
  });

  it('sends a reconnecting device only the updates it lacks', async () => {
    const { store, source } = await storeWithRecord(100);
    const room = new DocRoom({ name: 'record:R-1', store, limits: resolveLimits({}), log: silentLog });
    await room.whenLoaded;
    const device = new Y.Doc();
    Y.applyUpdate(device, Y.encodeStateAsUpdate(source));
    const writer = peer();
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(source));
    other.on('update', (u: Uint8Array) => room.run(() => room.apply([u], writer)));
    other.getArray('entries').push([{ id: 'e:1', sku: 'SKU-NEW' }]);
    const replies = answerStepOne(room, syncStep1(Y.encodeStateVector(device)));
    expect(replies.length).toBe(1);
    expect(replies[0]!.byteLength).toBeLessThan(100);
    Y.applyUpdate(device, readSync(replies[0]!)!.payload);
    expect(device.getArray('entries').length).toBe(101);
    room.destroy();
  });

  it('hands its follower each accepted change with what it added, and never a refused one', async () => {
    const store = new MemoryDocStore();
    const seen: unknown[][] = [];
    const room = new DocRoom({
      name: 'record:R-1',
      store,
      limits: resolveLimits({}),
      log: silentLog,
      follow: () => ({ accepted: (change) => void seen.push(change.added.flatMap((item) => item.values)), destroy: () => {} }),
    });
    await room.whenLoaded;
    const refusing: RoomPeer = { ...peer(), writes: policyJudging((u) => (Y.decodeUpdate(u).structs.length > 0 ? 'no' : null)) };
    const device = new Y.Doc();
    const updates: Uint8Array[] = [];
    device.on('update', (u: Uint8Array) => updates.push(u));
    device.getArray('entries').push([{ id: 'a:1' }]);
    device.getArray('entries').push([{ id: 'a:2' }]);
    expect(room.apply([updates[0]!], refusing).kind).toBe('refused');
    expect(room.apply([updates[0]!], peer()).kind).toBe('accepted');
    expect(room.apply([updates[1]!], peer()).kind).toBe('accepted');
    // Already held: nothing new to follow.
    expect(room.apply([updates[1]!], peer())).toMatchObject({ kind: 'accepted', wrote: false });
    expect(seen).toEqual([[{ id: 'a:1' }], [{ id: 'a:2' }]]);
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
      const room = new DocRoom({ name: 'record:R-1', store, limits: resolveLimits({}), log: silentLog });
      await room.whenLoaded;
      let transactions = 0;
      room.doc.on('afterTransaction', () => transactions++);
      const updates = updatesOf(new Y.Doc(), 'a:1', 'a:2', 'a:3');
      expect(room.apply(updates, peer()).kind).toBe('accepted');
      await room.whenDurable();
      expect(transactions).toBe(1);
      expect(store.stats('record:R-1').updates).toBe(3);
      expect(await storedEntryIds(store, 'record:R-1')).toEqual(['a:1', 'a:2', 'a:3']);
      room.destroy();
    });

    it('gives them back, keeping nothing, when one is refused; one by one in their place, the others are kept', async () => {
      const store = new MemoryDocStore();
      const room = new DocRoom({ name: 'record:R-1', store, limits: resolveLimits({}), log: silentLog });
      await room.whenLoaded;
      const device = judgingPeer();
      const honest = new Y.Doc();
      const [first, second] = updatesOf(honest, 'a:1', 'a:2');
      const [forged] = updatesOf(new Y.Doc(), 'bad:1');
      const updates = [first!, forged!, second!];
      expect(room.apply(updates, device).kind).toBe('refused');
      // A change queued behind them is handled after the ones redone in place.
      const [later] = updatesOf(honest, 'a:3');
      const order: string[] = [];
      room.runInPlace(updates.map((u) => () => void order.push(kindOf(room.apply([u], device)))));
      room.run(() => order.push(kindOf(room.apply([later!], device))));
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

