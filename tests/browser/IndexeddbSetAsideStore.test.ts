/**
 * Set-aside work in real Chromium IndexedDB: kept whole (the Yjs state as
 * bytes, the refused entries), listed oldest first, read back by a new store
 * as after a reload, replaced by id, and gone once deleted.
 */
import { describe, expect, it } from 'vitest';
import { IndexeddbSetAsideStore, type SetAsideWork } from '../../client/app/lib/SetAsideStore';

const work = (id: string, at: number): SetAsideWork => ({
  id,
  doc: 'record:R-1',
  recordId: 'R-1',
  user: 'ana',
  code: 3,
  reason: 'auditor may not write',
  message: 'permission denied: auditor may not write',
  at,
  refusedChanges: 2,
  state: new Uint8Array([1, 2, 3, 250]),
  refused: null,
  outcome: null,
});

describe('IndexeddbSetAsideStore', () => {
  it('keeps work across a new store (a reload), oldest first; put replaces by id; delete removes', async () => {
    const store = new IndexeddbSetAsideStore();
    for (const old of await store.list()) await store.delete(old.id);
    await store.put(work('b', 20));
    await store.put(work('a', 10));
    const reloaded = new IndexeddbSetAsideStore();
    const listed = await reloaded.list();
    expect(listed.map((w) => w.id)).toEqual(['a', 'b']);
    expect(listed[0]?.state).toEqual(new Uint8Array([1, 2, 3, 250]));

    const done = { ...work('a', 10), refused: [], outcome: { role: 'auditor' as const, reRecorded: 0, notReRecorded: [] } };
    await reloaded.put(done);
    expect(await store.list()).toEqual([done, work('b', 20)]);
    await store.delete('a');
    expect((await new IndexeddbSetAsideStore().list()).map((w) => w.id)).toEqual(['b']);
  });
});
