/**
 * Random and truncated frames against both endpoints: the relay stays up,
 * never writes garbage into an existing record, and a normal client still
 * syncs afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { connectRaw } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { docFromUpdates, openDoc, sendChangeAndWaitAck, tryReadFrame } from '../support/muxClient';
import { syncStep1, syncUpdate } from '../support/yMessages';
import { writeChangeFrame, writeDocFrame } from '../../shared/protocol/muxMessages';
import { createAuthor } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine } from '../../shared/model/recordWriters';

const HONEST = 'record:R-1';
const QUERY_AWARENESS = new Uint8Array([3]);

/** Valid frames to cut and flip: real updates to a record and a plain document. */
function seedFrames(userId: string): Uint8Array[] {
  const doc = new Y.Doc();
  const author = createAuthor({ user: userId, device: 'fuzz', firstSeq: 1 });
  createReceipt(doc, author, { id: 'R-9', site: 'main', supplier: 'X' });
  addReceiveLine(doc, author, { item: 'SKU-1', qty: 3 });
  const update = Y.encodeStateAsUpdate(doc);
  return [
    writeChangeFrame('record:R-9', 1, update),
    writeDocFrame('record:R-9', syncUpdate(update)),
    writeDocFrame('site:main', syncStep1(Y.encodeStateVector(doc))),
    writeChangeFrame(HONEST, 7, update),
  ];
}

describe('fuzzing the relay', () => {
  let t: TestRelay;
  let users: SiteUsers;
  let honestBefore: unknown;

  beforeAll(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
    const c = await connectRaw(t.wsUrl(`/mux?token=${users.crew.token}&device=d1`));
    const doc = new Y.Doc();
    const author = createAuthor({ user: users.crew.id, device: 'd1', firstSeq: 1 });
    createReceipt(doc, author, { id: 'R-1', site: 'main' });
    addReceiveLine(doc, author, { item: 'SKU-1', qty: 50 });
    openDoc(c, HONEST);
    await sendChangeAndWaitAck(c, HONEST, 1, Y.encodeStateAsUpdate(doc));
    c.close();
    honestBefore = docFromUpdates(await t.store.load(HONEST)).getArray('entries').toJSON();
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
  });

  /** Sends `bytes`, then a query whose answer proves the relay handled them; resolves when answered or closed. */
  async function sendAndSettle(path: string, bytes: Uint8Array, probe: Uint8Array): Promise<void> {
    const c = await connectRaw(t.wsUrl(path));
    const closed = c.closed.then(() => 'closed');
    c.send(bytes);
    c.send(probe);
    const answered = c.waitFor((m) => (m[0] === 1 || tryReadFrame(m)?.type === 'doc' ? 'answered' : undefined), 5_000).catch(() => 'silent');
    const outcome = await Promise.race([closed, answered]);
    expect(outcome).not.toBe('silent');
    c.close();
  }

  // Unknown document families are refused at the door (an error frame), so the probe is a record.
  const frames = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.constantFrom(...seedFrames('someone')), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([frame, cut, at, bits]) => {
      const out = frame.slice(0, 1 + (cut % frame.length));
      const i = at % out.length;
      out[i] = (out[i] ?? 0) ^ bits;
      return out;
    }),
  );

  it('survives random and damaged frames on /mux', async () => {
    await fc.assert(
      fc.asyncProperty(frames, async (bytes) => {
        await sendAndSettle(`/mux?token=${users.crew.token}`, bytes, writeDocFrame('record:probe', QUERY_AWARENESS));
      }),
      { numRuns: 150 },
    );
  });

  it('survives random and damaged messages on /sync/<doc>', async () => {
    await fc.assert(
      fc.asyncProperty(frames, async (bytes) => {
        await sendAndSettle(`/sync/${HONEST}?token=${users.crew.token}`, bytes, QUERY_AWARENESS);
      }),
      { numRuns: 150 },
    );
  });

  it('still has the honest record intact and serves a normal client', async () => {
    const health = await fetch(`${t.relay.url}/healthz`);
    expect(health.status).toBe(200);
    expect(docFromUpdates(await t.store.load(HONEST)).getArray('entries').toJSON()).toEqual(honestBefore);
    const c = await connectRaw(t.wsUrl(`/mux?token=${users.crew2.token}&device=d2`));
    const copy = docFromUpdates(await t.store.load(HONEST));
    const parts: Uint8Array[] = [];
    copy.on('update', (u: Uint8Array) => parts.push(u));
    addReceiveLine(copy, createAuthor({ user: users.crew2.id, device: 'd2', firstSeq: 1 }), { item: 'SKU-1', qty: 30 });
    openDoc(c, HONEST);
    await sendChangeAndWaitAck(c, HONEST, 1, Y.mergeUpdates(parts));
    c.close();
    const entries = docFromUpdates(await t.store.load(HONEST)).getArray('entries').toJSON() as { qty?: number; kind: string }[];
    expect(entries.filter((e) => e.kind === 'line').map((e) => e.qty)).toEqual([50, 30]);
  });
});
