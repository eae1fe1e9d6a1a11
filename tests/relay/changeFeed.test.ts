/**
 * `watch` and `changed` over /mux (PROTOCOL.md §2): a device watching many
 * records hears which of them got a durable change, batched, without any of
 * them held open on the relay.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { addLine, fetchRaw, seedReceipts, testAuthor, type SeededRecord } from '../support/feedClient';
import { tryReadFrame } from '../support/muxClient';
import { writeChangeFrame, writeWatchAddFrame, writeWatchFrame, type ChangedFrame } from '../../shared/protocol/muxMessages';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { MAX_WATCHED_DOCS } from '../../relay/sync/ChangeFeed';
import type { Author } from '../../shared/model/author';
import * as Y from 'yjs';
import { addReceiveLine } from '../../shared/model/recordWriters';

/** Every `changed` frame `c` received so far. */
function changedFrames(c: RawClient): ChangedFrame[] {
  return c.received.map(tryReadFrame).filter((f): f is ChangedFrame => f?.type === 'changed');
}

/** Resolves once `c` was told `doc` changed. */
function toldChanged(c: RawClient, doc: string): Promise<ChangedFrame> {
  return c.waitFor((m) => {
    const f = tryReadFrame(m);
    return f?.type === 'changed' && f.docs.includes(doc) ? f : undefined;
  });
}

describe('watch', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: RawClient[] = [];
  const mux = async (u: SiteUser, device: string): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${u.token}&device=${device}`));
    clients.push(c);
    return c;
  };
  let writer: RawClient;
  let ann: Author;
  let records: SeededRecord[];
  /** A device of bob's watching `names`, once the relay has taken the watch set. */
  const watching = async (names: string[]): Promise<RawClient> => {
    const device = await mux(users.crew2, 'bob-phone');
    device.send(writeWatchFrame(names));
    // Frames are handled in order: the answer to this empty fetch means the watch was taken.
    await fetchRaw(device, 1, []);
    return device;
  };

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store, limits: { idleEvictMs: 50 } });
    const seeder = await mux(users.crew, 'ann-seeder');
    ann = testAuthor(users.crew.id, 'ann-seeder');
    records = await seedReceipts(seeder, ann, { count: 200 });
    seeder.close();
    await seeder.closed;
    await eventually(() => t.relay.stats().docsInMemory === 0, 10_000, 'every seeded record to leave memory');
    // The seeding device comes back: its records' Yjs client ids are its own.
    writer = await mux(users.crew, 'ann-seeder');
  }, 60_000);
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it('names a watched record another device wrote, with no room held for the watched ones', async () => {
    const device = await watching(records.map((r) => r.name));
    expect(t.relay.stats().docsInMemory).toBe(0);

    const told = toldChanged(device, records[42]!.name);
    await addLine(writer, ann, records[42]!);
    expect((await told).docs).toEqual([records[42]!.name]);
    // Only the record written was opened (by its writer), none of the 199 others.
    expect(t.relay.stats().docsInMemory).toBeLessThanOrEqual(2);
  });

  it("names a change the relay made itself: the site index it writes for a new record", async () => {
    const device = await watching(['site:main']);
    const told = toldChanged(device, 'site:main');
    await seedReceipts(writer, ann, { count: 1, prefix: 'NEW' });
    await told;
  });

  it('stops naming records left out of a replaced watch set', async () => {
    const device = await watching(records.map((r) => r.name));
    device.send(writeWatchFrame(records.slice(0, 100).map((r) => r.name)));
    await fetchRaw(device, 2, []);

    await addLine(writer, ann, records[150]!);
    const told = toldChanged(device, records[2]!.name);
    await addLine(writer, ann, records[2]!);
    await told;
    expect(changedFrames(device).flatMap((f) => f.docs)).not.toContain(records[150]!.name);
  });

  it('an empty watch set stops every notification', async () => {
    const device = await watching(records.map((r) => r.name));
    device.send(writeWatchFrame([]));
    await fetchRaw(device, 2, []);
    const other = await watching([records[9]!.name]);
    const told = toldChanged(other, records[9]!.name);
    await addLine(writer, ann, records[9]!);
    await told;
    // A `changed` for it would have been sent before this answer.
    await fetchRaw(device, 3, []);
    expect(changedFrames(device)).toEqual([]);
  });

  it('batches: 50 writes to 50 watched records arrive in a few changed frames', async () => {
    const device = await watching(records.map((r) => r.name));
    const written = records.slice(100, 150);
    const changes = written.map((r) => {
      const before = Y.encodeStateVector(r.doc);
      addReceiveLine(r.doc, ann, { item: 'SKU-BATCH', qty: 1 });
      return writeChangeFrame(r.name, r.changeNo++, Y.encodeStateAsUpdate(r.doc, before));
    });
    for (const frame of changes) writer.send(frame);
    const names = written.map((r) => r.name);
    await eventually(() => {
      const told = new Set(changedFrames(device).flatMap((f) => f.docs));
      return names.every((n) => told.has(n));
    }, 10_000, 'all 50 records named');
    expect(changedFrames(device).length).toBeLessThanOrEqual(3);
  });

  it('leaves out names the connection may not read', async () => {
    const device = await watching(['bogus:thing', records[5]!.name]);
    const told = toldChanged(device, records[5]!.name);
    await addLine(writer, ann, records[5]!);
    expect((await told).docs).toEqual([records[5]!.name]);
    const line = t.logs.find((l) => l.msg?.startsWith('watch named documents this connection may not read'));
    expect(line?.obj).toMatchObject({ refused: 1, docs: ['bogus:thing'] });
  });

  it(`closes with 4400 on a watch of more than ${MAX_WATCHED_DOCS} names`, async () => {
    const device = await mux(users.crew2, 'bob-phone');
    device.send(writeWatchFrame(Array.from({ length: MAX_WATCHED_DOCS + 1 }, (_, i) => `record:R-${i}`)));
    expect((await device.closed).code).toBe(CloseCode.malformed.code);
  });

  it('adds to a watch set with watchAdd: the earlier names stay watched, the new ones are named too', async () => {
    const device = await watching(records.slice(0, 100).map((r) => r.name));
    device.send(writeWatchAddFrame([...records.slice(100).map((r) => r.name), 'bogus:thing', records[3]!.name]));
    await fetchRaw(device, 2, []);
    expect(t.relay.stats().watchedDocs).toBe(200);
    for (const record of [records[150]!, records[3]!]) {
      const told = toldChanged(device, record.name);
      await addLine(writer, ann, record);
      expect((await told).docs).toEqual([record.name]);
    }
    const line = t.logs.find((l) => l.msg?.startsWith('watchAdd named documents this connection may not read'));
    expect(line?.obj).toMatchObject({ refused: 1, docs: ['bogus:thing'] });
  });

  it(`closes with 4400 on a watchAdd that takes the set past ${MAX_WATCHED_DOCS} names`, async () => {
    const device = await watching(Array.from({ length: MAX_WATCHED_DOCS - 1 }, (_, i) => `record:R-${i}`));
    device.send(writeWatchAddFrame(['record:R-last', 'record:R-past']));
    expect((await device.closed).code).toBe(CloseCode.malformed.code);
  });

  it('forgets what a connection watched once it closes', async () => {
    const device = await watching(records.map((r) => r.name));
    const other = await watching([records[11]!.name, 'record:only-here']);
    expect(t.relay.stats().watchedDocs).toBe(201);
    device.close();
    await eventually(() => t.relay.stats().watchedDocs === 2, 5_000, 'the closed connection\'s names to be dropped');
    other.close();
    await eventually(() => t.relay.stats().watchedDocs === 0, 5_000, 'every name to be dropped');
  });
});
