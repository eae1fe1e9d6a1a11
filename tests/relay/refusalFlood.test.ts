/**
 * One crew account cannot stall a record: ten of its sockets flood a record of
 * 20,000 lines with forged entries while an honest crew member scans a line.
 * Refusals are judged before anything is applied (no reload of the record),
 * and the refusal budget is the user's, across all of its sockets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { appendUpdate, connectDevice, lastItemId, type RawDevice } from '../support/rawDevice';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { writeChangeFrame } from '../../shared/protocol/muxMessages';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine } from '../../shared/model/recordWriters';
import { entriesOf } from '../../shared/model/readRecord';
import { docFromUpdates } from '../support/muxClient';

const RECORD = 'record:R-BIG';
const LINES = 20_000;

describe('a refusal flood from one crew account', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const devices: RawDevice[] = [];

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) d.close();
    await t.cleanup();
    await users.cleanup();
  });

  it('leaves an honest write to the record acknowledged within a second, and closes the flooding sockets', async () => {
    const ann = await connectDevice((p) => t.wsUrl(p), users.crew, 'dev-A');
    devices.push(ann);
    await ann.open(RECORD);
    await ann.write(RECORD, (d, a) => {
      createReceipt(d, a, { id: 'R-BIG', site: 'main', supplier: 'ACME' });
      // The lines a device scanned over a long shift, made in one go (the writers look for a free id each time).
      const lines = Array.from({ length: LINES }, (_, i) => {
        const seq = 1_000 + i;
        return { id: `dev-A:${seq}`, kind: 'line', user: a.user, device: 'dev-A', at: seq, seq, item: `SKU-${i % 40}`, qty: 1 };
      });
      d.getArray('entries').push(lines);
    });
    const victimLine = entriesOf(ann.docOf(RECORD)).find((e) => e.kind === 'line')!;

    const flooders = await Promise.all(Array.from({ length: 10 }, (_, i) => connectDevice((p) => t.wsUrl(p), users.crew2, `dev-X${i}`)));
    devices.push(...flooders);
    await Promise.all(flooders.map((f) => f.open(RECORD)));
    const closed = flooders.map((f) => f.c.closed);
    const after = lastItemId(ann.docOf(RECORD), 'entries')!;
    for (const [i, f] of flooders.entries()) {
      // 30 forged entries each, every one a copy of Ann's line under another device's name.
      const forged = Array.from({ length: 30 }, (_, k) =>
        writeChangeFrame(RECORD, k + 1, appendUpdate(10_000 + i * 100 + k, after, [{ ...victimLine, user: users.crew2.id, qty: 1 }])),
      );
      f.c.sendTogether(forged);
    }
    const started = performance.now();
    await ann.write(RECORD, (d, a) => addReceiveLine(d, a, { item: 'SKU-1', qty: 5 }));
    const ackedAfterMs = performance.now() - started;
    expect(ackedAfterMs).toBeLessThan(1_000);

    // Past the user's budget (30 a minute, whichever sockets made them) each flooding socket is closed
    // at its next refusal: one more forged entry from any still open.
    for (const [i, f] of flooders.entries()) {
      if (f.c.ws.readyState === f.c.ws.OPEN) f.c.send(writeChangeFrame(RECORD, 31, appendUpdate(20_000 + i, after, [{ ...victimLine, user: users.crew2.id }])));
    }
    const codes = await Promise.all(closed);
    expect(codes.every((c) => c.code === CloseCode.forbidden.code)).toBe(true);
    const stored = entriesOf(docFromUpdates(await t.store.load(RECORD)));
    expect(stored.filter((e) => e.kind === 'line')).toHaveLength(LINES + 1);
    expect(stored.every((e) => e.user === users.crew.id)).toBe(true);
    expect(t.logs.filter((l) => l.msg === 'reloading document to drop a refused update')).toEqual([]);
  }, 60_000);
});
