/**
 * The relay writes the site document's derived parts itself: a record's row
 * in the record index (from the record's meta and header fields) and every
 * user's display name (from its user store). Crews send only records, over
 * /mux, as raw clients; what the relay wrote is read from its store and from
 * another client subscribed to the site document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { writeChangeFrame } from '../../shared/protocol/muxMessages';
import { applyDocFrames, docFromUpdates, openDoc, sendChangeAndWaitAck, tryReadFrame } from '../support/muxClient';
import { createAuthor, type Author } from '../../shared/model/author';
import { createCountSheet, createReceipt } from '../../shared/model/createRecord';
import { setField } from '../../shared/model/setField';
import { resolveConflict } from '../../shared/model/recordWriters';
import { indexRecord, lookupRecord, readUserNames, setUserName } from '../../shared/model/siteDocs';
import { readMeta } from '../../shared/model/readRecord';

const SITE = 'site:main';

describe('the relay derives the site index and display names', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let seq = 1;
  const clients: RawClient[] = [];
  const detachers: (() => void)[] = [];
  const author = (u: SiteUser): Author => createAuthor({ user: u.id, device: `${u.name}-dev`, firstSeq: seq++ * 1000 });
  const mux = async (u: SiteUser): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${u.token}&device=${u.name}-dev`));
    clients.push(c);
    return c;
  };
  /** A client subscribed to the site document, and its copy of it. */
  const siteWatcher = async (u: SiteUser): Promise<Y.Doc> => {
    const c = await mux(u);
    openDoc(c, SITE);
    const doc = new Y.Doc();
    detachers.push(applyDocFrames(c, SITE, doc));
    return doc;
  };
  /** What the relay has stored of the site document. */
  const storedSite = async (): Promise<Y.Doc> => docFromUpdates(await t.store.load(SITE));
  /** Sends everything `doc` changed during `change` as one mux change of `name`. */
  const sendChange = async (c: RawClient, name: string, changeNo: number, doc: Y.Doc, change: () => void): Promise<void> => {
    const before = Y.encodeStateVector(doc);
    change();
    await sendChangeAndWaitAck(c, name, changeNo, Y.encodeStateAsUpdate(doc, before));
  };

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store, limits: { idleEvictMs: 100 } });
  });
  afterEach(async () => {
    for (const off of detachers.splice(0)) off();
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it("lists a crew's new receipt with its title, and re-titles it when the header changes", async () => {
    const supervisorSite = await siteWatcher(users.supervisor);
    const crew = await mux(users.crew);
    openDoc(crew, 'record:R-1');
    const record = new Y.Doc();
    const ann = author(users.crew);
    await sendChange(crew, 'record:R-1', 1, record, () => createReceipt(record, ann, { id: 'R-1', site: 'main', supplier: 'ACME', po: '4711' }));

    await eventually(() => lookupRecord(supervisorSite, 'R-1') !== undefined, 5_000, 'the row on the subscribed client');
    const meta = readMeta(record)!;
    expect(lookupRecord(supervisorSite, 'R-1')).toEqual({
      id: 'R-1',
      kind: 'receipt',
      title: 'ACME, PO 4711',
      site: 'main',
      createdAt: meta.createdAt,
      createdBy: users.crew.id,
    });
    expect(lookupRecord(await storedSite(), 'R-1')?.title).toBe('ACME, PO 4711');

    await sendChange(crew, 'record:R-1', 2, record, () => setField(record, ann, 'dock', '3'));
    await eventually(() => lookupRecord(supervisorSite, 'R-1')?.title === 'ACME, PO 4711, dock 3', 5_000, 'the new title');
    expect(lookupRecord(await storedSite(), 'R-1')?.title).toBe('ACME, PO 4711, dock 3');
  });

  it("re-titles a record when a supervisor settles a conflict about its dock", async () => {
    const supervisorSite = await siteWatcher(users.supervisor);
    const [ann, bob, sue] = [author(users.crew), author(users.crew2), author(users.supervisor)];
    const [annC, bobC, sueC] = [await mux(users.crew), await mux(users.crew2), await mux(users.supervisor)];
    for (const c of [annC, bobC, sueC]) openDoc(c, 'record:R-2');
    const a = new Y.Doc();
    await sendChange(annC, 'record:R-2', 1, a, () => createReceipt(a, ann, { id: 'R-2', site: 'main', supplier: 'ACME', dock: 'D1' }));
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    // Both change the dock from D1 without seeing each other.
    await sendChange(annC, 'record:R-2', 2, a, () => setField(a, ann, 'dock', 'D2'));
    await sendChange(bobC, 'record:R-2', 1, b, () => setField(b, bob, 'dock', 'D5'));
    const s = new Y.Doc();
    for (const d of [a, b]) Y.applyUpdate(s, Y.encodeStateAsUpdate(d));
    await sendChange(sueC, 'record:R-2', 1, s, () => resolveConflict(s, sue, { conflictId: 'c1', chosen: { value: 'D3', note: 'Gate log says dock 3' } }));

    await eventually(() => lookupRecord(supervisorSite, 'R-2')?.title === 'ACME, dock D3', 5_000, 'the decided dock in the title');
    expect(lookupRecord(await storedSite(), 'R-2')?.title).toBe('ACME, dock D3');
  });

  it('lists only records of its own site (a record naming another one is refused)', async () => {
    const supervisorSite = await siteWatcher(users.supervisor);
    const crew = await mux(users.crew);
    const ann = author(users.crew);
    const elsewhere = new Y.Doc();
    openDoc(crew, 'record:C-NORTH');
    createCountSheet(elsewhere, ann, { id: 'C-NORTH', site: 'north', zone: 'A' });
    crew.send(writeChangeFrame('record:C-NORTH', 1, Y.encodeStateAsUpdate(elsewhere)));
    const refusal = await crew.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'error' && f.doc === 'record:C-NORTH' ? f : undefined;
    });
    expect(refusal.type === 'error' && refusal.reason).toMatch(/not this relay's site/);
    // Indexing is decided as a record arrives: once a later record of this site is listed, the other would have been too.
    const here = new Y.Doc();
    openDoc(crew, 'record:C-MAIN');
    await sendChange(crew, 'record:C-MAIN', 1, here, () => createCountSheet(here, ann, { id: 'C-MAIN', site: 'main', zone: 'B' }));

    await eventually(() => lookupRecord(supervisorSite, 'C-MAIN') !== undefined, 5_000, 'the record of this site');
    expect(lookupRecord(supervisorSite, 'C-MAIN')?.title).toBe('zone B');
    expect(lookupRecord(supervisorSite, 'C-NORTH')).toBeUndefined();
    expect(lookupRecord(await storedSite(), 'C-NORTH')).toBeUndefined();
  });

  it('lists a stored record that has no row, or a stale one, as soon as the record is loaded', async () => {
    // Records written before the relay derived rows: one unlisted, one listed under an old title.
    const ann = author(users.crew);
    const unlisted = new Y.Doc();
    createReceipt(unlisted, ann, { id: 'R-OLD', site: 'main', supplier: 'Old Co' });
    const retitled = new Y.Doc();
    createReceipt(retitled, ann, { id: 'R-STALE', site: 'main', supplier: 'New Name' });
    const site = new Y.Doc();
    indexRecord(site, readMeta(retitled)!, 'Old Name');
    await t.store.append('record:R-OLD', Y.encodeStateAsUpdate(unlisted));
    await t.store.append('record:R-STALE', Y.encodeStateAsUpdate(retitled));
    await t.store.append(SITE, Y.encodeStateAsUpdate(site));

    const supervisorSite = await siteWatcher(users.supervisor);
    await eventually(() => lookupRecord(supervisorSite, 'R-STALE')?.title === 'Old Name', 5_000, 'the stored site document');
    expect(lookupRecord(supervisorSite, 'R-OLD')).toBeUndefined();

    const reader = await mux(users.auditor);
    openDoc(reader, 'record:R-OLD');
    openDoc(reader, 'record:R-STALE');
    await eventually(
      () => lookupRecord(supervisorSite, 'R-OLD')?.title === 'Old Co' && lookupRecord(supervisorSite, 'R-STALE')?.title === 'New Name',
      5_000,
      'the healed rows',
    );
  });

  it("holds every user's display name once the site is opened, and names added later", async () => {
    const auditorSite = await siteWatcher(users.auditor);
    const everyone = [users.crew, users.crew2, users.supervisor, users.auditor];
    const expected = new Map(everyone.map((u) => [u.id, u.name]));
    await eventually(() => readUserNames(auditorSite).size === expected.size, 5_000, 'every name');
    expect(readUserNames(auditorSite)).toEqual(expected);

    const { user: cy } = await users.store.add({ name: 'Cy Newcomer', role: 'crew' });
    await eventually(() => readUserNames(auditorSite).get(cy.id) === 'Cy Newcomer', 5_000, 'the new name');
    // A revoked user's name stays: history still shows what they did.
    await users.store.revoke(users.crew2.id);
    const { user: di } = await users.store.add({ name: 'Di Later', role: 'crew' });
    await eventually(() => readUserNames(auditorSite).get(di.id) === 'Di Later', 5_000, 'a name after the revocation');
    expect(readUserNames(auditorSite).get(users.crew2.id)).toBe(users.crew2.name);
    expect(readUserNames(await storedSite()).get(cy.id)).toBe('Cy Newcomer');
  });

  it('corrects a display name the site document holds wrong', async () => {
    const wrong = new Y.Doc();
    setUserName(wrong, users.crew.id, 'Somebody Else');
    await t.store.append(SITE, Y.encodeStateAsUpdate(wrong));
    const auditorSite = await siteWatcher(users.auditor);
    await eventually(() => readUserNames(auditorSite).get(users.crew.id) === users.crew.name, 5_000, 'the corrected name');
  });

  it('lets an idle site document leave memory after a record loads that needed no new row', async () => {
    await t.cleanup();
    // Long enough that the record below loads while the site's eviction is pending.
    t = await startTestRelay({ users: users.store, limits: { idleEvictMs: 1_000 } });
    const crew = await mux(users.crew);
    openDoc(crew, 'record:R-IDLE');
    const record = new Y.Doc();
    await sendChange(crew, 'record:R-IDLE', 1, record, () => createReceipt(record, author(users.crew), { id: 'R-IDLE', site: 'main' }));
    await eventually(async () => lookupRecord(await storedSite(), 'R-IDLE') !== undefined, 5_000, 'the stored row');
    for (const c of clients.splice(0)) c.close();
    await eventually(() => t.relay.stats().docsInMemory === 0, 5_000, 'both documents to leave memory');

    // The site is opened and left: its eviction is pending when the record loads again.
    const site = await mux(users.supervisor);
    openDoc(site, SITE);
    await site.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
    site.close();
    await eventually(() => t.relay.stats().connections === 0, 5_000, 'the site watcher to leave');
    const reader = await mux(users.auditor);
    openDoc(reader, 'record:R-IDLE');
    await eventually(() => t.relay.stats().docsInMemory === 2, 5_000, 'the record to load');
    reader.close();
    await eventually(() => t.relay.stats().docsInMemory === 0, 5_000, 'both documents to leave memory again');
  });

  it('keeps rows and names across a relay restart, and lets the idle site document leave memory', async () => {
    const crew = await mux(users.crew);
    openDoc(crew, 'record:R-9');
    const record = new Y.Doc();
    const ann = author(users.crew);
    await sendChange(crew, 'record:R-9', 1, record, () => createReceipt(record, ann, { id: 'R-9', site: 'main', supplier: 'Keep' }));
    await eventually(async () => lookupRecord(await storedSite(), 'R-9') !== undefined, 5_000, 'the stored row');
    await eventually(async () => readUserNames(await storedSite()).size === 4, 5_000, 'the stored names');

    for (const c of clients.splice(0)) c.close();
    await eventually(() => t.relay.stats().docsInMemory === 0, 5_000, 'the idle documents to be evicted');

    await t.restart();
    // Read from disk before anything on the new relay opened the site: the rows are stored, not re-derived.
    const site = await storedSite();
    expect(lookupRecord(site, 'R-9')?.title).toBe('Keep');
    expect(readUserNames(site).get(users.supervisor.id)).toBe(users.supervisor.name);
    const auditorSite = await siteWatcher(users.auditor);
    await eventually(() => lookupRecord(auditorSite, 'R-9')?.title === 'Keep', 5_000, 'the row after the restart');
  });
});
