/**
 * Property: random honest histories from two devices, interleaved with random
 * forged updates from a crew connection (other devices' client ids, GC
 * structs, entries signed for other devices, copies of acknowledged entries,
 * deletions, gaps, the review map), never change what the honest devices'
 * acknowledged entries add up to, on the relay's disk, after a restart, and
 * on the honest devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as Y from 'yjs';
import { startTestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { appendUpdate, connectDevice, gcStructUpdate, lastItemId, nextClock, updateAs, type RawDevice } from '../support/rawDevice';
import { docFromUpdates } from '../support/muxClient';
import { eventually } from '../support/eventually';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine } from '../../shared/model/recordWriters';
import { entriesOf, readMeta } from '../../shared/model/readRecord';
import { totalReceived } from '../../shared/model/receivedByItem';
import type { Entry } from '../../shared/model/entry';

const RECORD = 'record:R-PROP';

type Forgery = 'gcOverNext' | 'entryUnderTheirClient' | 'entryNamingTheirDevice' | 'copyOfTheirEntry' | 'deleteTheirEntry' | 'gap' | 'reviewMap';
type Op = { kind: 'honest'; who: 0 | 1; qty: number } | { kind: 'forge'; how: Forgery; target: 0 | 1; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('honest' as const), who: fc.constantFrom(0 as const, 1 as const), qty: fc.integer({ min: 1, max: 9 }) }),
  fc.record({
    kind: fc.constant('forge' as const),
    how: fc.constantFrom<Forgery>('gcOverNext', 'entryUnderTheirClient', 'entryNamingTheirDevice', 'copyOfTheirEntry', 'deleteTheirEntry', 'gap', 'reviewMap'),
    target: fc.constantFrom(0 as const, 1 as const),
    n: fc.integer({ min: 1, max: 100_000 }),
  }),
);

describe('forged updates never change what honest devices acknowledged', () => {
  let users: SiteUsers;
  beforeAll(async () => {
    users = await createSiteUsers();
  });
  afterAll(async () => {
    await users.cleanup();
  });

  it('holds for random interleavings', async () => {
    let fresh = 50_000;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 14 }), async (ops) => {
        const t = await startTestRelay({ users: users.store });
        const devices: RawDevice[] = [];
        try {
          const honest = [await connectDevice((p) => t.wsUrl(p), users.crew, 'dev-A'), await connectDevice((p) => t.wsUrl(p), users.supervisor, 'dev-S')];
          const attacker = await connectDevice((p) => t.wsUrl(p), users.crew2, 'dev-X');
          devices.push(...honest, attacker);
          for (const d of devices) await d.open(RECORD);
          await honest[0]!.write(RECORD, (d, a) => createReceipt(d, a, { id: 'R-PROP', site: 'main' }));
          for (const d of devices) await eventually(() => readMeta(d.docOf(RECORD)) !== null, 5_000, 'the record on every device');
          const acked: Entry[] = [];
          const answers: Promise<unknown>[] = [];
          for (const o of ops) {
            if (o.kind === 'honest') {
              const dev = honest[o.who]!;
              let line: Entry | undefined;
              await dev.write(RECORD, (d, a) => void (line = addReceiveLine(d, a, { item: 'SKU-1', qty: o.qty })));
              acked.push(line!);
              continue;
            }
            const forged = forge(o, honest[o.target]!, attacker, acked, () => fresh++);
            if (forged) answers.push(attacker.sendRaw(RECORD, forged));
          }
          await Promise.all(answers);
          const expected = acked.reduce((sum, e) => sum + (e.kind === 'line' ? e.qty : 0), 0);
          const check = (doc: Y.Doc): void => {
            const entries = entriesOf(doc);
            expect(totalReceived(entries)).toBe(expected);
            expect(entries.filter((e) => e.user === users.crew2.id)).toEqual([]);
            for (const line of acked) expect(entries.filter((e) => e.id === line.id)).toEqual([line]);
          };
          check(docFromUpdates(await t.store.load(RECORD)));
          for (const dev of honest) {
            await eventually(() => totalReceived(entriesOf(dev.docOf(RECORD))) === expected, 5_000, 'the honest devices converge');
          }
          await t.restart();
          check(docFromUpdates(await t.store.load(RECORD)));
        } finally {
          for (const d of devices) d.close();
          await t.cleanup();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});

/** The forged update `o` describes, or null when it does not apply yet (nothing of the target's to forge). */
function forge(o: Extract<Op, { kind: 'forge' }>, target: RawDevice, attacker: RawDevice, acked: readonly Entry[], freshClient: () => number): Uint8Array | null {
  const theirs = target.docOf(RECORD);
  const view = attacker.docOf(RECORD);
  const theirClient = theirs.clientID;
  const theirEntry = acked.find((e) => e.device === target.device);
  // A client id is visible to others only once its device has written under it.
  const written = nextClock(view, theirClient) > 0;
  const sample = theirEntry ?? { id: `${target.device}:${o.n}`, kind: 'line', user: target.user.id, device: target.device, at: 0, seq: o.n, item: 'SKU-1', qty: 1 };
  switch (o.how) {
    case 'gcOverNext':
      return written ? gcStructUpdate(theirClient, nextClock(view, theirClient), o.n) : null;
    case 'entryUnderTheirClient':
      return written ? updateAs(view, theirClient, (copy) => addReceiveLine(copy, attacker.author, { item: 'SKU-1', qty: 1000 })) : null;
    case 'entryNamingTheirDevice':
      return updateAs(view, freshClient(), (copy) => copy.getArray('entries').push([{ ...sample, user: attacker.user.id, qty: 1 }]));
    case 'copyOfTheirEntry':
      return theirEntry ? updateAs(view, freshClient(), (copy) => copy.getArray('entries').push([{ ...theirEntry }])) : null;
    case 'deleteTheirEntry': {
      const at = entriesOf(view).findIndex((e) => e.device === target.device && e.kind === 'line');
      return at < 0 ? null : updateAs(view, freshClient(), (copy) => copy.getArray('entries').delete(at, 1));
    }
    case 'gap': {
      const after = lastItemId(view, 'entries');
      if (!after) return null;
      // An append at clock 7 of a client nobody wrote under: it waits for clocks nobody sent.
      return appendUpdate(freshClient(), after, [{ ...sample, user: attacker.user.id, device: attacker.device, id: `${attacker.device}:${o.n}`, seq: o.n }], 7);
    }
    case 'reviewMap':
      return updateAs(view, freshClient(), (copy) => copy.getMap('review').set('status', 'closed'));
  }
}
