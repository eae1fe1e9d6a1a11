/**
 * The device's notices in real Chromium IndexedDB: notices, reads and
 * notices waiting to be sent are read back whole by a new store (a reload),
 * a read is replaced when confirmed, a sent notice is deleted, and each site
 * has its own database.
 */
import { describe, expect, it } from 'vitest';
import { IndexeddbNoticeStore, noticesDbName, type DeviceNotice, type OutgoingNotice } from '../../client/app/lib/notices/NoticeStore';

const hold: DeviceNotice = { seq: 1, at: 1_000, user: 'sue', device: 'sue-laptop', body: { kind: 'hold', item: 'X-100', lot: 'L-7', bins: ['A-1'], text: 'recall' } };
const alert: DeviceNotice = { seq: 2, at: 2_000, user: 'ann', device: null, body: { kind: 'safety', severity: 'danger', text: 'spill', zone: 'aisle 4' } };
const waiting = (key: string, at: number): OutgoingNotice => ({ key, at, user: 'sue', body: { kind: 'release', hold: 1, text: 'fine' } });

describe('IndexeddbNoticeStore', () => {
  it('keeps notices, reads and waiting notices across a new store (a reload)', async () => {
    const name = noticesDbName(`test-${Date.now()}`);
    const store = new IndexeddbNoticeStore(name);
    await store.putNotice(alert);
    await store.putNotice(hold);
    await store.putRead({ seq: 2, at: 3_000, confirmed: false });
    await store.putOutgoing(waiting('dev.b', 20));
    await store.putOutgoing(waiting('dev.a', 10));
    store.close();

    const reloaded = new IndexeddbNoticeStore(name);
    const got = await reloaded.load();
    expect(got.notices).toEqual([hold, alert]);
    expect(got.reads).toEqual([{ seq: 2, at: 3_000, confirmed: false }]);
    expect(got.outgoing.map((o) => o.key)).toEqual(['dev.a', 'dev.b']);

    await reloaded.putRead({ seq: 2, at: 3_000, confirmed: true });
    await reloaded.putOutgoing({ ...waiting('dev.a', 10), seq: 3 });
    await reloaded.deleteOutgoing('dev.b');
    reloaded.close();
    const again = await new IndexeddbNoticeStore(name).load();
    expect(again.reads).toEqual([{ seq: 2, at: 3_000, confirmed: true }]);
    expect(again.outgoing).toEqual([{ ...waiting('dev.a', 10), seq: 3 }]);
  });

  it('keeps each site in a database of its own', async () => {
    const stamp = Date.now();
    const one = new IndexeddbNoticeStore(noticesDbName(`one-${stamp}`));
    await one.putNotice(hold);
    const other = await new IndexeddbNoticeStore(noticesDbName(`other-${stamp}`)).load();
    expect(other).toEqual({ notices: [], reads: [], outgoing: [] });
    expect(noticesDbName('main')).toBe('tally.notices.main');
  });
});
