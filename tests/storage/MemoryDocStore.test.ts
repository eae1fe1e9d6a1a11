import { describe, expect, it } from 'vitest';
import { MemoryDocStore } from '../../relay/storage/MemoryDocStore';
import type { StoreHealth } from '../../relay/storage/DocStore';
import { runDocStoreAcceptance } from './docStoreAcceptance';
import { eventually } from '../support/eventually';

runDocStoreAcceptance('MemoryDocStore', async () => {
  const store = new MemoryDocStore();
  return { store, cleanup: () => store.close() };
});

describe('MemoryDocStore.failWrites', () => {
  it('holds writes while failing, reports it, and resolves them once restored', async () => {
    const store = new MemoryDocStore({ retryDelayMs: 1, maxRetryDelayMs: 5 });
    const seen: StoreHealth[] = [];
    store.onHealthChange((health) => seen.push(health));
    store.failWrites(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    let durable = false;
    const write = store.append('doc', new Uint8Array([1])).then(() => (durable = true));
    await eventually(() => seen.length === 1, 10_000, 'the failure to be reported');
    expect(seen[0]).toMatchObject({ ok: false, lastError: 'ENOSPC: no space left on device', pendingWrites: 1 });
    expect(durable).toBe(false);
    expect(await store.load('doc')).toEqual([new Uint8Array([1])]);
    expect(await store.loadDurable('doc')).toEqual([]);
    store.restoreWrites();
    await write;
    expect(store.health()).toEqual({ ok: true, pendingWrites: 0 });
    expect(seen.map((h) => h.ok)).toEqual([false, true]);
    expect(await store.loadDurable('doc')).toEqual([new Uint8Array([1])]);
    await store.close();
  });
});
