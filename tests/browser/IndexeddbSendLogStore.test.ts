/**
 * The send log in real Chromium IndexedDB: attempts written in batches into
 * 1,000 slots (the ring never grows past them), read back by a new log as
 * after a reload, numbering continuing after what was stored.
 */
import { describe, expect, it } from 'vitest';
import { IndexeddbSendLogStore, sendLogDbName } from '../../client/sync/IndexeddbSendLogStore';
import { SendLog } from '../../client/sync/SendLog';

describe('IndexeddbSendLogStore', () => {
  it('keeps the newest 1,000 attempts across a reload, in 1,000 slots', async () => {
    const name = sendLogDbName(`ring-${crypto.randomUUID()}`);
    const first = new SendLog({ store: new IndexeddbSendLogStore(name), flushMs: 60_000 });
    await first.whenLoaded;
    for (let i = 1; i <= 1_200; i++) {
      first.sent('record:R-1', i, 64, i);
      if (i === 1_100) first.acked('record:R-1', i);
    }
    await first.destroy();

    const store = new IndexeddbSendLogStore(name);
    const stored = await store.load();
    expect(stored).toHaveLength(1_000);
    expect(Math.min(...stored.map((a) => a.id))).toBe(200);

    const reloaded = new SendLog({ store, flushMs: 60_000 });
    await reloaded.whenLoaded;
    const held = reloaded.entries();
    expect(held.map((a) => a.changeNo)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 201));
    expect(held.filter((a) => a.result === 'acked')).toHaveLength(900);
    expect(held.filter((a) => a.result === 'sent').map((a) => a.changeNo)[0]).toBe(1_101);
    reloaded.sent('record:R-2', 1, 64, null);
    expect(reloaded.entries().at(-1)).toMatchObject({ id: 1_200, doc: 'record:R-2' });
    await reloaded.destroy();
    expect(await new IndexeddbSendLogStore(name).load()).toHaveLength(1_000);
  });

  it('names one database per device', () => {
    expect(sendLogDbName('tab-1')).toBe('tally-send-log:tab-1');
    expect(sendLogDbName(undefined)).toBe('tally-send-log');
  });
});
