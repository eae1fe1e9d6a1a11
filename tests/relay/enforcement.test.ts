/**
 * A raw client built from hand-encoded y-protocols messages tries every
 * forbidden write. Each is refused whole, nothing changes on the relay, the
 * refusal is logged with user and document, and honest clients keep syncing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { applyDocFrames, docFromUpdates, openDoc, sendChangeAndWaitAck, tryReadFrame } from '../support/muxClient';
import { readSync, syncUpdate } from '../support/yMessages';
import { writeChangeFrame, MuxErrorCode } from '../../shared/protocol/muxMessages';
import { createAuthor, type Author } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';
import { addReceiveLine, proposeChange } from '../../shared/model/recordWriters';
import { readReviewState } from '../../shared/review/reviewMap';

const RECORD = 'record:R-100';

/** The update `change` makes to a device copy of what the relay holds. */
async function updateOf(t: TestRelay, change: (doc: Y.Doc) => void): Promise<Uint8Array> {
  const doc = docFromUpdates(await t.store.load(RECORD));
  const parts: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => parts.push(u));
  change(doc);
  return Y.mergeUpdates(parts);
}

/** The relay's stored record, as comparable JSON. */
async function stored(t: TestRelay): Promise<unknown> {
  const doc = docFromUpdates(await t.store.load(RECORD));
  return { entries: doc.getArray('entries').toJSON(), fields: doc.getMap('fields').toJSON(), review: doc.getMap('review').toJSON() };
}

describe('the relay refuses forbidden writes from any client', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let seq = 1000;
  const clients: RawClient[] = [];
  const author = (u: SiteUser, device = `${u.name}-dev`): Author => createAuthor({ user: u.id, device, firstSeq: seq++ * 100 });
  const mux = async (u: SiteUser): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(`/mux?token=${u.token}&device=${u.name}-dev`));
    clients.push(c);
    openDoc(c, RECORD);
    return c;
  };

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
    const crew = await mux(users.crew);
    const doc = new Y.Doc();
    createReceipt(doc, author(users.crew), { id: 'R-100', site: 'main', supplier: 'ACME', dock: '3' });
    addReceiveLine(doc, author(users.crew), { item: 'SKU-1', qty: 5 });
    await sendChangeAndWaitAck(crew, RECORD, 1, Y.encodeStateAsUpdate(doc));
    await eventually(async () => readReviewState(docFromUpdates(await t.store.load(RECORD)).getMap('review')) !== null, 5_000, 'initial review map');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  async function honestCrewStillSyncs(): Promise<void> {
    const c = await mux(users.crew2);
    const update = await updateOf(t, (d) => addReceiveLine(d, author(users.crew2), { item: 'SKU-2', qty: 1 }));
    await sendChangeAndWaitAck(c, RECORD, 1, update);
  }

  /** What a device opening the record now receives from the relay's memory, as comparable JSON. */
  async function served(): Promise<unknown> {
    const c = await mux(users.supervisor);
    await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'doc' && f.doc === RECORD && readSync(f.message)?.syncType === 1 ? f : undefined;
    });
    const doc = new Y.Doc();
    applyDocFrames(c, RECORD, doc)();
    return { entries: doc.getArray('entries').toJSON(), fields: doc.getMap('fields').toJSON(), review: doc.getMap('review').toJSON() };
  }

  function refusalLogged(user: SiteUser): boolean {
    return t.logs.some((l) => l.msg === 'write refused' && String((l.obj as { conn?: string }).conn).includes(user.id) && (l.obj as { doc?: string }).doc === RECORD);
  }

  const attempts: [string, (u: SiteUsers) => SiteUser, (d: Y.Doc, u: SiteUsers, a: (u: SiteUser) => Author) => void, RegExp][] = [
    ['an auditor adds a line', (u) => u.auditor, (d, u, a) => addReceiveLine(d, a(u.auditor), { item: 'SKU-9', qty: 1 }), /auditor may not write/],
    ['crew writes the review map', (u) => u.crew, (d) => d.getMap('review').set('status', 'closed'), /review map is written by the relay alone/],
    ['crew edits a nested part of the review map', (u) => u.crew, (d) => (d.getMap('review').get('outcomes') as Y.Map<unknown>).set('x', { result: 'applied' }), /relay alone/],
    ['crew forges a proposal signed by the supervisor', (u) => u.crew, (d, u, a) => proposeChange(d, a(u.supervisor), { field: 'status', value: 'closed', baseRevision: 0 }), /signed by .* but was sent by/],
    ['crew deletes a line', (u) => u.crew, (d) => d.getArray('entries').delete(d.getArray('entries').length - 1, 1), /append-only/],
    ['crew appends garbage to the entries', (u) => u.crew, (d) => d.getArray('entries').push([{ kind: 'line', qty: -5 }]), /malformed entry/],
    ['crew adds a top-level type to a record', (u) => u.crew, (d) => d.getMap('extra').set('x', 1), /not part of a record/],
  ];

  it.each(attempts)('over /mux: %s', async (_what, who, change, reason) => {
    const user = who(users);
    const before = await stored(t);
    const c = await mux(user);
    c.send(writeChangeFrame(RECORD, 1, await updateOf(t, (d) => change(d, users, author))));
    const error = await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'error' ? f : undefined;
    });
    expect(error).toMatchObject({ doc: RECORD, code: MuxErrorCode.permissionDenied });
    expect(error.type === 'error' && error.reason).toMatch(reason);
    expect(c.received.some((m) => tryReadFrame(m)?.type === 'ack')).toBe(false);
    expect(refusalLogged(user)).toBe(true);
    await honestCrewStillSyncs();
    const after = (await stored(t)) as { entries: unknown[] };
    expect(after.entries.length).toBe((before as { entries: unknown[] }).entries.length + 1); // only the honest line
    // The refused part is gone from the relay's memory too, not only from its disk.
    expect(await served()).toEqual(after);
  });

  it.each(attempts)('over /mux, between honest changes sent in the same write: %s', async (_what, who, change, reason) => {
    const user = who(users);
    const before = (await stored(t)) as { entries: unknown[] };
    const c = await mux(user);
    const honestDevice = docFromUpdates(await t.store.load(RECORD));
    const honest: Uint8Array[] = [];
    honestDevice.on('update', (u: Uint8Array) => honest.push(u));
    const crew = await mux(users.crew);
    addReceiveLine(honestDevice, author(users.crew), { item: 'SKU-3', qty: 1 });
    addReceiveLine(honestDevice, author(users.crew), { item: 'SKU-4', qty: 1 });
    // The forged change and the honest ones come from two sockets, so only the user's own frames share a read:
    // the forged one between two frames that re-send the same honest lines (idempotent, so they must be acked).
    await sendChangeAndWaitAck(crew, RECORD, 1, Y.mergeUpdates(honest));
    const forged = await updateOf(t, (d) => change(d, users, author));
    c.sendTogether([writeChangeFrame(RECORD, 1, honest[0]!), writeChangeFrame(RECORD, 2, forged), writeChangeFrame(RECORD, 3, honest[1]!)]);
    const error = await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'error' ? f : undefined;
    });
    expect(error.type === 'error' && error.reason).toMatch(reason);
    expect(refusalLogged(user)).toBe(true);
    if (user !== users.auditor) {
      // Handled one by one once refused together: the honest frame after the forged one is still acknowledged.
      await c.waitFor((m) => {
        const f = tryReadFrame(m);
        return f?.type === 'ack' && f.changeNo === 3 ? f : undefined;
      });
    }
    const after = (await stored(t)) as { entries: unknown[] };
    expect(after.entries.length).toBe(before.entries.length + 2); // the two honest lines, once each
    expect(await served()).toEqual(after);
  });

  it('over /sync/<doc> without a device id: every write is refused, saying how to name the device', async () => {
    const before = await stored(t);
    const c = await connectRaw(t.wsUrl(`/sync/${RECORD}?token=${users.crew.token}`));
    clients.push(c);
    c.send(syncUpdate(await updateOf(t, (d) => addReceiveLine(d, author(users.crew), { item: 'SKU-9', qty: 1 }))));
    const reason = await c.waitFor((m) => (m[0] === 2 && m[1] === 0 ? decoding.readVarString(decoding.createDecoder(m.subarray(2))) : undefined));
    expect(reason).toMatch(/writing needs a device id: connect with \?device=<id>/);
    expect(await stored(t)).toEqual(before);
  });

  it('over /mux: lines sent together in one write are all acknowledged and stored once each', async () => {
    const c = await mux(users.crew);
    const device = docFromUpdates(await t.store.load(RECORD));
    const lines: Uint8Array[] = [];
    device.on('update', (u: Uint8Array) => lines.push(u));
    for (let i = 0; i < 20; i++) addReceiveLine(device, author(users.crew), { item: `SKU-${i}`, qty: 1 });
    const before = (await stored(t)) as { entries: unknown[] };
    c.sendTogether(lines.map((u, i) => writeChangeFrame(RECORD, i + 1, u)));
    await c.waitFor((m) => {
      const f = tryReadFrame(m);
      return f?.type === 'ack' && f.changeNo === 20 ? f : undefined;
    });
    const after = (await stored(t)) as { entries: unknown[] };
    expect(after.entries.length).toBe(before.entries.length + 20);
    expect(await served()).toEqual(after);
  });

  it.each(attempts)('over /sync/<doc> with hand-encoded y-protocols messages: %s', async (_what, who, change, why) => {
    const user = who(users);
    const before = await stored(t);
    const c = await connectRaw(t.wsUrl(`/sync/${RECORD}?token=${user.token}&device=${user.name}-dev`));
    clients.push(c);
    c.send(syncUpdate(await updateOf(t, (d) => change(d, users, author))));
    // y-protocols auth message: [2, 0 = permission denied, reason]
    const reason = await c.waitFor((m) => {
      if (m[0] !== 2 || m[1] !== 0) return undefined;
      const d = decoding.createDecoder(m.subarray(2));
      return decoding.readVarString(d);
    });
    expect(reason).toMatch(why);
    expect(await stored(t)).toEqual(before);
    expect(await served()).toEqual(before);
    await honestCrewStillSyncs();
  });
});
