/**
 * Writes bound to who sent them: an attacker with an ordinary crew token and a
 * raw socket tries to erase, replace or pre-empt another device's work. Each
 * attempt is refused, nothing of it is stored or forwarded, and the honest
 * device's line is on the relay and in every total afterwards, also after a
 * restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { connectDevice, gcStructUpdate, nextClock, updateAs, type RawDevice } from '../support/rawDevice';
import { docFromUpdates, tryReadFrame } from '../support/muxClient';
import { connectRaw } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { MuxErrorCode, writeChangeFrame, writeDocFrame } from '../../shared/protocol/muxMessages';
import { syncStep1 } from '../support/yMessages';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine, proposeChange } from '../../shared/model/recordWriters';
import { entriesOf, readFields, readMeta } from '../../shared/model/readRecord';
import { totalReceived } from '../../shared/model/receivedByItem';
import { readItems, readRecordIndex, userName } from '../../shared/model/siteDocs';
import { readSiteSettings, setSiteSetting } from '../../shared/model/siteSettings';
import { readReviewState } from '../../shared/review/reviewMap';
import { createAuthor } from '../../shared/model/author';

const RECORD = 'record:R-ID';

describe('writes are bound to who sent them', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const devices: RawDevice[] = [];
  let ann: RawDevice; // honest crew on her dock scanner
  let bob: RawDevice; // the attacker: an ordinary crew token, a raw socket

  const device = async (who: keyof Pick<SiteUsers, 'crew' | 'crew2' | 'supervisor' | 'auditor'>, id: string): Promise<RawDevice> => {
    const d = await connectDevice((p) => t.wsUrl(p), users[who], id);
    devices.push(d);
    return d;
  };
  const stored = async (): Promise<Y.Doc> => docFromUpdates(await t.store.load(RECORD));

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
    ann = await device('crew', 'dev-A');
    await ann.open(RECORD);
    await ann.write(RECORD, (d, a) => createReceipt(d, a, { id: 'R-ID', site: 'main', supplier: 'ACME', dock: 'D1' }));
    await ann.write(RECORD, (d, a) => addReceiveLine(d, a, { item: 'SKU-1', qty: 7 }));
    bob = await device('crew2', 'dev-B');
    await bob.open(RECORD);
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) d.close();
    await t.cleanup();
    await users.cleanup();
  });

  /** Expects `answer` to be a refusal matching `reason`, and that nothing reached the store or Ann. */
  async function expectRefused(answer: Promise<unknown>, reason: RegExp, before: Uint8Array): Promise<void> {
    const frame = (await answer) as { type: string; code?: number; reason?: string };
    expect(frame).toMatchObject({ type: 'error', code: MuxErrorCode.permissionDenied });
    expect(frame.reason).toMatch(reason);
    expect(Y.encodeStateVector(await stored())).toEqual(before);
  }

  /** Ann's next line lands, is on disk, and every reader counts it, also after a restart. */
  async function annsLineCounts(expectedTotal: number): Promise<void> {
    await ann.write(RECORD, (d, a) => addReceiveLine(d, a, { item: 'SKU-1', qty: 5 }));
    expect(totalReceived(entriesOf(await stored()))).toBe(expectedTotal);
    await eventually(() => totalReceived(entriesOf(bob.docOf(RECORD))) === expectedTotal, 5_000, "the line on the attacker's copy too");
    await t.restart();
    expect(totalReceived(entriesOf(await stored()))).toBe(expectedTotal);
  }

  it('a GC struct over the next clocks of another device is refused, and that device\'s next line still lands', async () => {
    const annClient = ann.docOf(RECORD).clientID;
    const before = Y.encodeStateVector(await stored());
    await expectRefused(bob.sendRaw(RECORD, gcStructUpdate(annClient, nextClock(ann.docOf(RECORD), annClient), 100_000)), /Yjs client id \d+, which belongs to another device/, before);
    await annsLineCounts(12);
  });

  it("an entry of the attacker's own, written under another device's client id, is refused", async () => {
    const doc = ann.docOf(RECORD);
    const before = Y.encodeStateVector(await stored());
    const forged = updateAs(doc, doc.clientID, (copy) => addReceiveLine(copy, bob.author, { item: 'SKU-1', qty: 1 }));
    await expectRefused(bob.sendRaw(RECORD, forged), /belongs to another device/, before);
    await annsLineCounts(12);
  });

  it("an entry that names another device, or repeats an id the record holds, is refused; totals keep Ann's 7", async () => {
    const annLine = entriesOf(ann.docOf(RECORD)).find((e) => e.kind === 'line')!;
    const before = Y.encodeStateVector(await stored());
    const doc = bob.docOf(RECORD);
    const replacing = { ...annLine, user: users.crew2.id, qty: 1 };
    const asAnnsDevice = updateAs(doc, 4242, (copy) => copy.getArray('entries').push([replacing]));
    await expectRefused(bob.sendRaw(RECORD, asAnnsDevice), /names device dev-A but was sent from device dev-B/, before);
    await bob.write(RECORD, (d, a) => addReceiveLine(d, a, { item: 'SKU-2', qty: 2 }));
    const bobsLine = entriesOf(await stored()).find((e) => e.device === 'dev-B')!;
    const after = Y.encodeStateVector(await stored());
    const again = updateAs(doc, 4343, (copy) => copy.getArray('entries').push([{ ...bobsLine, qty: 200 }]));
    await expectRefused(bob.sendRaw(RECORD, again), new RegExp(`already holds an entry ${bobsLine.id}`), after);
    await annsLineCounts(14);
  });

  it("a proposal with the id the supervisor's device will use next cannot pre-empt the supervisor's decision", async () => {
    const sue = await device('supervisor', 'dev-S');
    await sue.open(RECORD);
    const before = Y.encodeStateVector(await stored());
    const supervisorsNext = createAuthor({ user: users.supervisor.id, device: 'dev-S', firstSeq: 1 });
    const preempt = updateAs(bob.docOf(RECORD), 5151, (copy) =>
      proposeChange(copy, { ...supervisorsNext, user: users.crew2.id }, { field: 'status', value: 'received', baseRevision: 0 }),
    );
    await expectRefused(bob.sendRaw(RECORD, preempt), /names device dev-S but was sent from device dev-B/, before);
    const revision = readReviewState(sue.docOf(RECORD).getMap('review'))?.revision ?? 0;
    await sue.write(RECORD, (d, a) => proposeChange(d, a, { field: 'status', value: 'received', baseRevision: revision }));
    await eventually(async () => readReviewState((await stored()).getMap('review'))?.status === 'received', 5_000, "the supervisor's decision applied");
  });

  it('fields change only with their audit entry, known names and text; meta is written once, by its creator, for this record and site', async () => {
    const doc = bob.docOf(RECORD);
    const before = Y.encodeStateVector(await stored());
    const attempts: [string, (copy: Y.Doc) => void, RegExp][] = [
      ['a field without its fieldEdit entry', (c) => c.getMap('fields').set('dock', 'D9'), /without its fieldEdit audit entry/],
      ['an unknown field', (c) => c.getMap('fields').set('price', '1'), /has no field "price"/],
      ['a Y.Text value', (c) => c.getMap('fields').set('notes', new Y.Text('x')), /plain text values/],
      ['a field removed', (c) => c.getMap('fields').delete('dock'), /never removed/],
      ['meta rewritten', (c) => c.getMap('meta').set('createdBy', users.crew2.id), /written once/],
    ];
    for (const [what, change, reason] of attempts) {
      const answer = bob.sendRaw(RECORD, updateAs(doc, 6000 + attempts.findIndex((a) => a[0] === what), change));
      await expectRefused(answer, reason, before);
    }
    const created: [string, { id: string; site: string; user?: string; device?: string }, RegExp][] = [
      ['another user as creator', { id: 'R-NEW1', site: 'main', user: users.crew.id }, /created by the user who sends it/],
      ['another device as creator', { id: 'R-NEW2', site: 'main', device: 'dev-A' }, /created on the device that sends it/],
      ['another record id', { id: 'R-OTHER', site: 'main' }, /is not this record/],
      ['another site', { id: 'R-NEW4', site: 'north' }, /not this relay's site/],
    ];
    for (const [, init, reason] of created) {
      const name = `record:${init.id === 'R-OTHER' ? 'R-NEW3' : init.id}`;
      const fresh = new Y.Doc();
      const author = createAuthor({ user: init.user ?? users.crew2.id, device: init.device ?? 'dev-B', firstSeq: 900 });
      createReceipt(fresh, author, { id: init.id, site: init.site });
      const frame = (await bob.sendRaw(name, Y.encodeStateAsUpdate(fresh))) as { type: string; reason?: string };
      expect(frame.type).toBe('error');
      expect(frame.reason).toMatch(reason);
      expect(await t.store.load(name)).toEqual([]);
    }
    expect(readFields(await stored()).dock).toBe('D1');
    expect(readMeta(await stored())?.createdBy).toBe(users.crew.id);
  });

  describe('after the relay lost changes (a restore from backup)', () => {
    /** A line Ann made that the relay does not hold (it lost it), but Bob's device does. */
    function annsLostLine(): { update: Uint8Array; id: string } {
      const doc = ann.docOf(RECORD);
      const parts: Uint8Array[] = [];
      const keep = (u: Uint8Array): void => void parts.push(u);
      doc.on('update', keep);
      const line = addReceiveLine(doc, ann.author, { item: 'SKU-1', qty: 3 });
      doc.off('update', keep);
      return { update: Y.mergeUpdates(parts), id: line.id };
    }

    it("a device's own change lands even when its update carries another device's changes the relay lacks; those wait for their own device", async () => {
      const lost = annsLostLine();
      const bobs = bob.docOf(RECORD);
      const own: Uint8Array[] = [];
      const keep = (u: Uint8Array): void => void own.push(u);
      bobs.on('update', keep);
      const bobsLine = addReceiveLine(bobs, bob.author, { item: 'SKU-2', qty: 2 }); // made before Ann's line reached him
      bobs.off('update', keep);
      Y.applyUpdate(bobs, lost.update);
      const answer = (await bob.sendRaw(RECORD, Y.mergeUpdates([...own, lost.update]))) as { type: string };
      expect(answer.type).toBe('ack');
      let ids = entriesOf(await stored()).map((e) => e.id);
      expect(ids).toContain(bobsLine.id);
      expect(ids).not.toContain(lost.id);
      expect(t.logs.some((l) => l.msg === "left out other devices' changes carried by an update")).toBe(true);
      // Ann re-sends her own work on reconnecting: then it is on the relay, once.
      const c = ann.c;
      c.send(writeChangeFrame(RECORD, 3, lost.update));
      await eventually(async () => entriesOf(await stored()).some((e) => e.id === lost.id), 5_000, "Ann's line re-sent by Ann");
      ids = entriesOf(await stored()).map((e) => e.id);
      expect(ids.filter((id) => id === lost.id)).toHaveLength(1);
      expect(totalReceived(entriesOf(await stored()))).toBe(12);
    });

    it('a change built on the lost changes is not applied and the device is told to wait (error 5, not a refusal)', async () => {
      const lost = annsLostLine();
      const bobs = bob.docOf(RECORD);
      Y.applyUpdate(bobs, lost.update);
      const own: Uint8Array[] = [];
      const keep = (u: Uint8Array): void => void own.push(u);
      bobs.on('update', keep);
      addReceiveLine(bobs, bob.author, { item: 'SKU-2', qty: 2 }); // after Ann's line: it builds on it
      bobs.off('update', keep);
      const before = Y.encodeStateVector(await stored());
      const answer = (await bob.sendRaw(RECORD, Y.mergeUpdates([...own, lost.update]))) as { type: string; code?: number; reason?: string };
      expect(answer).toMatchObject({ type: 'error', code: MuxErrorCode.missingChanges });
      expect(answer.reason).toMatch(/builds on changes the relay does not have/);
      expect(Y.encodeStateVector(await stored())).toEqual(before);
      expect(t.logs.filter((l) => l.msg === 'write refused')).toEqual([]);
    });
  });

  describe('documents other than records', () => {
    const SITE = 'site:main';

    it("crew cannot write the item master, the bins, the record index or anyone's display name", async () => {
      const site = await bob.open(SITE);
      await eventually(() => userName(site, users.crew.id) === 'ann', 5_000, 'the names the relay publishes');
      const before = Y.encodeStateVector(docFromUpdates(await t.store.load(SITE)));
      const attempts: [(copy: Y.Doc) => void, RegExp][] = [
        [(c) => c.getMap('items').set('4006381333931', { sku: 'SKU-X', description: 'x', uom: 'EA' }), /crew may not change the item master/],
        [(c) => c.getMap('locations').set('A-01', {}), /crew may not change/],
        [(c) => c.getMap('settings').set('photoMaxSide', 1024), /crew may not change .* the site settings/],
        [(c) => c.getMap('users').set(users.crew.id, { displayName: 'Bob' }), /written by the relay alone/],
        [(c) => c.getMap('records').set('R-FAKE', { id: 'R-FAKE', kind: 'receipt', title: 'x', site: 'main', createdAt: 1, createdBy: users.crew.id }), /record index is written by the relay alone/],
        [(c) => c.getMap('records').delete('R-ID'), /record index is written by the relay alone/],
      ];
      for (const [i, [change, reason]] of attempts.entries()) {
        const frame = (await bob.sendRaw(SITE, updateAs(site, 7000 + i, change))) as { type: string; reason?: string };
        expect(frame).toMatchObject({ type: 'error', code: MuxErrorCode.permissionDenied });
        expect(frame.reason).toMatch(reason);
      }
      expect(Y.encodeStateVector(docFromUpdates(await t.store.load(SITE)))).toEqual(before);
      const storedSite = docFromUpdates(await t.store.load(SITE));
      expect(userName(storedSite, users.crew.id)).toBe('ann');
      expect(readRecordIndex(storedSite).map((r) => r.id)).toEqual(['R-ID']);
    });

    it('a supervisor keeps the item master', async () => {
      const sue = await device('supervisor', 'dev-S');
      await sue.open(SITE);
      await sue.write(SITE, (d) => d.getMap('items').set('4006381333931', { sku: 'SKU-X', description: 'Widget', uom: 'EA' }));
      expect(readItems(docFromUpdates(await t.store.load(SITE))).get('4006381333931')?.sku).toBe('SKU-X');
    });

    it("a supervisor sets a photo's longest side within its bounds, and one out of them is refused", async () => {
      const sue = await device('supervisor', 'dev-S');
      const site = await sue.open(SITE);
      await sue.write(SITE, (d) => setSiteSetting(d, 'photoMaxSide', 1280));
      expect(readSiteSettings(docFromUpdates(await t.store.load(SITE))).photoMaxSide).toBe(1280);
      const before = Y.encodeStateVector(docFromUpdates(await t.store.load(SITE)));
      const frame = (await sue.sendRaw(SITE, updateAs(site, 7100, (c) => c.getMap('settings').set('photoMaxSide', 100_000)))) as { type: string; reason?: string };
      expect(frame).toMatchObject({ type: 'error', code: MuxErrorCode.permissionDenied });
      expect(frame.reason).toMatch(/640 to 4096 px, not 100000/);
      expect(Y.encodeStateVector(docFromUpdates(await t.store.load(SITE)))).toEqual(before);
    });

    it('a document outside the known families cannot be opened or filled', async () => {
      const c = await connectRaw(t.wsUrl(`/mux?token=${users.crew2.token}&device=dev-B`));
      c.send(writeDocFrame('junk:x', syncStep1(Y.encodeStateVector(new Y.Doc()))));
      const error = await c.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'error' ? f : undefined;
      });
      expect(error).toMatchObject({ doc: 'junk:x', code: MuxErrorCode.badDocName });
      expect(error.type === 'error' && error.reason).toMatch(/unknown document family/);
      c.close();
      const perDoc = await connectRaw(t.wsUrl(`/sync/junk:x?token=${users.crew2.token}&device=dev-B`));
      expect((await perDoc.closed).code).toBe(4404);
      expect(await t.store.load('junk:x')).toEqual([]);
    });
  });
});
