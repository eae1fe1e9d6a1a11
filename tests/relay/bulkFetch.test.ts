/**
 * `fetch` over /mux (PROTOCOL.md §2): a device asks for many records' state
 * in one request and gets it in `states` frames of many records each, from
 * what the relay holds durably. Records are receipts made with the model
 * functions and sent over /mux; what comes back is compared with what the
 * relay stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { addLine, fetchRaw, hasNoStructs, NOTHING, seedReceipts, statesFrames, testAuthor, type SeededRecord } from '../support/feedClient';
import { docFromUpdates, tryReadFrame } from '../support/muxClient';
import { writeFetchFrame, type StatesFrame } from '../../shared/protocol/muxMessages';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { MAX_DOCS_PER_FETCH, MAX_FETCHES_WAITING } from '../../relay/sync/BulkFetch';
import { HoldingStore, startRelayFixture, type RelayFixture } from '../client/relayFixture';
import { toMuxUrl } from '../../client/sync/muxUrl';
import type { Author } from '../../shared/model/author';
import { readRecord, recordIdOfDocName } from '../../shared/model';
import { summarizeDoc } from '../../shared/summary/recordSummary';

const EMPTY = Y.encodeStateAsUpdate(new Y.Doc());

/** The documents of `frames`, in order, each applied to `into` (a fresh Y.Doc per name unless given). */
function applyStates(frames: StatesFrame[], into = new Map<string, Y.Doc>()): Map<string, Y.Doc> {
  for (const frame of frames) {
    for (const { doc, update } of frame.docs) {
      let ydoc = into.get(doc);
      if (!ydoc) into.set(doc, (ydoc = new Y.Doc()));
      Y.applyUpdate(ydoc, update);
    }
  }
  return into;
}

/** Expects `fetched` to be exactly the record the relay stored (same structs, same deletions). */
async function expectStored(store: { loadDurable(doc: string): Promise<Uint8Array[]> }, name: string, fetched: Y.Doc | undefined): Promise<void> {
  expect(fetched, name).toBeDefined();
  const stored = docFromUpdates(await store.loadDurable(name));
  expect(Y.equalSnapshots(Y.snapshot(fetched!), Y.snapshot(stored)), name).toBe(true);
  expect(fetched!.getArray('entries').length).toBe(stored.getArray('entries').length);
}

describe('fetch', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: RawClient[] = [];
  const mux = async (u: SiteUser, device = `${u.name}-dev`): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${u.token}&device=${device}`));
    clients.push(c);
    return c;
  };
  let writer: RawClient;
  let ann: Author;
  let records: SeededRecord[];

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
    writer = await mux(users.crew, 'ann-writer');
    ann = testAuthor(users.crew.id, 'ann-writer');
    records = await seedReceipts(writer, ann, { count: 300 });
  }, 60_000);
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it('answers 300 records in several frames of many records, the last flagged, each exactly as stored', async () => {
    const device = await mux(users.crew2);
    const frames = await fetchRaw(device, 1, records.map((r) => ({ doc: r.name, stateVector: NOTHING })));

    expect(frames.length).toBeGreaterThan(1);
    expect(frames.map((f) => f.last)).toEqual([...frames.slice(1).map(() => false), true]);
    for (const frame of frames.slice(0, -1)) expect(frame.docs.length).toBeGreaterThan(1);
    expect(frames.flatMap((f) => f.docs.map((d) => d.doc))).toEqual(records.map((r) => r.name));
    const fetched = applyStates(frames);
    for (const r of records) await expectStored(t.store, r.name, fetched.get(r.name));
    expect(fetched.get(records[0]!.name)!.getArray('entries').length).toBe(records[0]!.doc.getArray('entries').length);
  });

  it('sends only what the state vectors lack', async () => {
    const device = await mux(users.crew2);
    const held = applyStates(await fetchRaw(device, 1, records.map((r) => ({ doc: r.name, stateVector: NOTHING }))));
    const changed = [records[3]!, records[150]!, records[299]!];
    for (const r of changed) await addLine(writer, ann, r);

    const frames = await fetchRaw(device, 2, records.map((r) => ({ doc: r.name, stateVector: Y.encodeStateVector(held.get(r.name)!) })));
    const answers = new Map(frames.flatMap((f) => f.docs.map((d) => [d.doc, d.update] as const)));
    const changedNames = new Set(changed.map((r) => r.name));
    for (const r of records) expect(hasNoStructs(answers.get(r.name)!), r.name).toBe(!changedNames.has(r.name));
    applyStates(frames, held);
    for (const r of changed) await expectStored(t.store, r.name, held.get(r.name));
    expect(held.get(records[3]!.name)!.getArray('entries').toJSON().some((e) => (e as { item?: string }).item === 'SKU-NEW')).toBe(true);
  });

  it('summarizes each record the device holds nothing of when asked (fetchSummarized), as the device would, with its state vector', async () => {
    const device = await mux(users.crew2);
    const part = applyStates(await fetchRaw(device, 1, [{ doc: records[1]!.name, stateVector: NOTHING }]));
    const frames = await fetchRaw(
      device,
      2,
      [
        ...records.slice(0, 40).map((r) => ({ doc: r.name, stateVector: r === records[1] ? Y.encodeStateVector(part.get(r.name)!) : NOTHING })),
        { doc: 'record:R-never-stored', stateVector: NOTHING },
        { doc: 'site:other', stateVector: NOTHING },
      ],
      true,
    );
    expect(frames.every((f) => f.summarized)).toBe(true);
    const items = new Map(frames.flatMap((f) => f.docs.map((d) => [d.doc, d] as const)));
    for (const r of records.slice(0, 40)) {
      const item = items.get(r.name)!;
      if (r === records[1]) {
        // It held part of it: no summary of the whole.
        expect(item.summary).toBe('');
        continue;
      }
      const doc = docFromUpdates([item.update]);
      expect(JSON.parse(item.summary!)).toEqual(JSON.parse(JSON.stringify(summarizeDoc(recordIdOfDocName(r.name)!, doc, null))));
      expect(item.stateVector).toEqual(Y.encodeStateVector(doc));
    }
    for (const name of ['record:R-never-stored', 'site:other']) expect(items.get(name)).toMatchObject({ update: EMPTY, summary: '', stateVector: new Uint8Array(0) });

    // A durable change since: the next answer is of the record as it is now, not as it was summarized.
    await addLine(writer, ann, records[7]!);
    const again = (await fetchRaw(device, 3, [{ doc: records[7]!.name, stateVector: NOTHING }], true))[0]!.docs[0]!;
    const summary = JSON.parse(again.summary!) as { lines: number };
    expect(summary.lines).toBe(readRecord(docFromUpdates([again.update])).entries.filter((e) => e.kind === 'line').length);
    expect(summary.lines).toBe(JSON.parse(items.get(records[7]!.name)!.summary!).lines + 1);
  });

  it('resumes after the link is cut halfway: nothing missing, nothing sent twice', async () => {
    const first = await mux(users.crew2);
    let kept: StatesFrame[] = [];
    first.send(writeFetchFrame(1, records.map((r) => ({ doc: r.name, stateVector: NOTHING }))));
    await first.waitFor((m) => {
      const f = tryReadFrame(m);
      if (f?.type !== 'states') return undefined;
      // The device applied this one frame when its link dropped.
      kept = [f];
      first.ws.terminate();
      return f;
    });
    expect(kept[0]!.last).toBe(false);
    const held = applyStates(kept);

    const second = await mux(users.crew2);
    const svOf = (name: string): Uint8Array => (held.has(name) ? Y.encodeStateVector(held.get(name)!) : NOTHING);
    const frames = await fetchRaw(second, 2, records.map((r) => ({ doc: r.name, stateVector: svOf(r.name) })));
    for (const frame of frames) {
      for (const { doc, update } of frame.docs) expect(hasNoStructs(update), doc).toBe(!!held.get(doc));
    }
    applyStates(frames, held);
    for (const r of records) await expectStored(t.store, r.name, held.get(r.name));
  });

  it('answers names the connection may not read, and records never stored, with an empty update, and logs the refused', async () => {
    const device = await mux(users.crew2);
    const names = [records[0]!.name, 'bogus:thing', 'site:elsewhere', '../x', 'record:never-made'];
    const frames = await fetchRaw(device, 7, names.map((doc) => ({ doc, stateVector: NOTHING })));
    const answers = frames.flatMap((f) => f.docs);
    expect(answers.map((a) => a.doc)).toEqual(names);
    expect(answers.slice(1).map((a) => a.update)).toEqual(names.slice(1).map(() => EMPTY));
    expect(hasNoStructs(answers[0]!.update)).toBe(false);
    const line = t.logs.find((l) => l.msg?.startsWith('fetch named documents this connection may not read'));
    expect(line?.obj).toMatchObject({ refused: 3, docs: ['bogus:thing', 'site:elsewhere', '../x'] });
  });

  it(`closes with 4400 on a fetch of more than ${MAX_DOCS_PER_FETCH} documents`, async () => {
    const device = await mux(users.crew2);
    const docs = Array.from({ length: MAX_DOCS_PER_FETCH + 1 }, (_, i) => ({ doc: `record:R-${i}`, stateVector: NOTHING }));
    device.send(writeFetchFrame(1, docs));
    expect((await device.closed).code).toBe(CloseCode.malformed.code);
  });

  it('closes with 4429 a device that sends more fetches than may wait for their answers', async () => {
    const device = await mux(users.crew2);
    const fetch = (id: number) => writeFetchFrame(id, records.slice(0, 50).map((r) => ({ doc: r.name, stateVector: NOTHING })));
    device.sendTogether(Array.from({ length: MAX_FETCHES_WAITING + 1 }, (_, i) => fetch(i + 1)));
    expect((await device.closed).code).toBe(CloseCode.tooManyDocs.code);
  });

  it('answers as many fetches as may wait, each in full', async () => {
    const device = await mux(users.crew2);
    const fetch = (id: number) => writeFetchFrame(id, records.slice(0, 50).map((r) => ({ doc: r.name, stateVector: NOTHING })));
    device.sendTogether(Array.from({ length: MAX_FETCHES_WAITING }, (_, i) => fetch(i + 1)));
    await device.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'states' && f.requestId === MAX_FETCHES_WAITING && f.last ? f : undefined;
    });
    for (let id = 1; id <= MAX_FETCHES_WAITING; id++) expect(statesFrames(device, id).flatMap((f) => f.docs)).toHaveLength(50);
  });

  it('closes with 4400 on a state vector that does not decode', async () => {
    const device = await mux(users.crew2);
    device.send(writeFetchFrame(1, [{ doc: records[0]!.name, stateVector: new Uint8Array([5, 1]) }]));
    expect((await device.closed).code).toBe(CloseCode.malformed.code);
  });
});

describe('fetch and durability', () => {
  let fixture: RelayFixture;
  let holding!: HoldingStore;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    fixture = await startRelayFixture({ wrapStore: (store) => (holding = new HoldingStore(store)) });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await fixture.cleanup();
  });

  it('never sends a change the relay holds in memory but has not fsynced; sends it once durable', async () => {
    const connect = async (): Promise<RawClient> => {
      const c = await connectRaw(toMuxUrl(fixture.url, { device: `dev-${clients.length}` }));
      clients.push(c);
      return c;
    };
    const writer = await connect();
    const author = testAuthor('ann', 'dev-0');
    const [record] = await seedReceipts(writer, author, { count: 1 });
    const device = await connect();
    const held = applyStates(await fetchRaw(device, 1, [{ doc: record!.name, stateVector: NOTHING }]));
    const before = Y.encodeStateVector(held.get(record!.name)!);

    holding.hold();
    const acked = addLine(writer, author, record!);
    await eventually(() => holding.heldCount === 1, 5_000, 'the change to reach the store');
    const [whileHeld] = (await fetchRaw(device, 2, [{ doc: record!.name, stateVector: before }])).flatMap((f) => f.docs);
    expect(hasNoStructs(whileHeld!.update)).toBe(true);

    holding.release();
    await acked;
    const [afterwards] = (await fetchRaw(device, 3, [{ doc: record!.name, stateVector: before }])).flatMap((f) => f.docs);
    expect(hasNoStructs(afterwards!.update)).toBe(false);
  });
});
