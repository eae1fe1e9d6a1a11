import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RefusalBudget } from '../../relay/net/RefusalBudget';
import { connectRaw, type RawClient } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { openDoc, sendChangeAndWaitAck, tryReadFrame } from '../support/muxClient';
import { writeChangeFrame } from '../../shared/protocol/muxMessages';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { createAuthor } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';

describe('RefusalBudget.spend', () => {
  it.each([
    ['allows up to the limit within a minute', [0, 1_000, 2_000], [true, true, true]],
    ['refuses the one past the limit within a minute', [0, 1_000, 2_000, 3_000], [true, true, true, false]],
    ['forgets refusals older than a minute', [0, 1_000, 2_000, 60_000, 61_000], [true, true, true, true, true]],
  ] as [string, number[], boolean[]][])('%s', (_what, times, expected) => {
    let now = 0;
    const budget = new RefusalBudget(3, () => now);
    expect(
      times.map((t) => {
        now = t;
        return budget.spend();
      }),
    ).toEqual(expected);
  });
});

describe('a client that keeps sending forbidden writes', () => {
  let users: SiteUsers | undefined;
  let t: TestRelay | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t?.cleanup();
    await users?.cleanup();
  });

  it('is told why each time, then disconnected with 4403 once it passes the budget', async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store, limits: { maxRefusalsPerMinute: 3 } });
    const c = await connectRaw(t.wsUrl(`/mux?token=${users.crew.token}&device=crew-dev`));
    clients.push(c);
    const doc = new Y.Doc();
    openDoc(c, 'record:R-7');
    createReceipt(doc, createAuthor({ user: users.crew.id, device: 'crew-dev', firstSeq: 1 }), { id: 'R-7', site: 'main', supplier: 'ACME', dock: '1' });
    await sendChangeAndWaitAck(c, 'record:R-7', 1, Y.encodeStateAsUpdate(doc));
    for (let i = 0; i < 4; i++) {
      // Each from the acknowledged state (a forbidden write built on a refused one would only wait for it).
      const forger = new Y.Doc();
      Y.applyUpdate(forger, Y.encodeStateAsUpdate(doc));
      const before = Y.encodeStateVector(forger);
      forger.getMap('review').set('status', `closed-${i}`);
      c.send(writeChangeFrame('record:R-7', 2 + i, Y.encodeStateAsUpdate(forger, before)));
    }
    const closed = await c.closed;
    expect(closed.code).toBe(CloseCode.forbidden.code);
    const errors = c.received.map((m) => tryReadFrame(m)).filter((f) => f?.type === 'error');
    expect(errors.length).toBe(3);
    expect(t.logs.some((l) => l.msg === 'closing connection' && (l.obj as { detail?: string }).detail === 'too many refused writes')).toBe(true);
  });
});

describe('one user with several connections', () => {
  let users: SiteUsers | undefined;
  let t: TestRelay | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t?.cleanup();
    await users?.cleanup();
  });
  const connect = async (token: string, device: string): Promise<RawClient> => {
    const c = await connectRaw(t!.wsUrl(`/mux?token=${token}&device=${device}`));
    clients.push(c);
    return c;
  };
  const errorsOf = (c: RawClient): number => c.received.filter((m) => tryReadFrame(m)?.type === 'error').length;
  const admitted = (c: RawClient): Promise<true> => c.waitFor((m) => (tryReadFrame(m)?.type === 'status' ? true : undefined));

  /** A socket of the crew user with its own receipt on the relay, and a way to send it a forbidden write. */
  async function crewSocket(device: string, record: string): Promise<{ c: RawClient; forbidden: () => void }> {
    const c = await connect(users!.crew.token, device);
    const doc = new Y.Doc();
    openDoc(c, `record:${record}`);
    createReceipt(doc, createAuthor({ user: users!.crew.id, device, firstSeq: 1 }), { id: record, site: 'main', supplier: 'ACME', dock: '1' });
    await sendChangeAndWaitAck(c, `record:${record}`, 1, Y.encodeStateAsUpdate(doc));
    let changeNo = 1;
    const forbidden = (): void => {
      // Each from the acknowledged state: a write built on a refused one would only wait for it.
      const forger = new Y.Doc();
      Y.applyUpdate(forger, Y.encodeStateAsUpdate(doc));
      const before = Y.encodeStateVector(forger);
      forger.getMap('review').set('status', `closed-${changeNo}`);
      c.send(writeChangeFrame(`record:${record}`, ++changeNo, Y.encodeStateAsUpdate(forger, before)));
    };
    return { c, forbidden };
  }

  it('spend one budget: the socket that crosses it is closed, and the other at its next refusal', async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store, limits: { maxRefusalsPerMinute: 3 } });
    const one = await crewSocket('crew-dev-1', 'R-1');
    const two = await crewSocket('crew-dev-2', 'R-2');
    one.forbidden();
    one.forbidden();
    await eventually(() => errorsOf(one.c) === 2, 10_000, 'two refusals on the first socket');
    two.forbidden();
    await eventually(() => errorsOf(two.c) === 1, 10_000, 'one refusal on the second socket');
    two.forbidden();
    expect((await two.c.closed).code).toBe(CloseCode.forbidden.code);
    expect(one.c.ws.readyState).toBe(one.c.ws.OPEN);
    one.forbidden();
    expect((await one.c.closed).code).toBe(CloseCode.forbidden.code);
    expect(errorsOf(one.c) + errorsOf(two.c)).toBe(3);
  });

  it('may hold 20 connections at once: the 21st is closed with 4430, another user is unaffected', async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
    const held = await Promise.all(Array.from({ length: 20 }, () => connect(users!.crew.token, 'crew-dev')));
    await Promise.all(held.map(admitted));
    const over = await connect(users.crew.token, 'crew-dev');
    expect(await over.closed).toEqual({ code: CloseCode.tooManyConnections.code, reason: `${CloseCode.tooManyConnections.reason} (20)` });
    const perDoc = await connectRaw(t.wsUrl(`/sync/record:R-1?token=${users.crew.token}`));
    clients.push(perDoc);
    expect((await perDoc.closed).code).toBe(CloseCode.tooManyConnections.code);
    await admitted(await connect(users.crew2.token, 'bob-dev'));
    held[0]!.close();
    await held[0]!.closed;
    await eventually(() => t!.relay.stats().connections === 20, 10_000, 'the relay to see the close');
    await admitted(await connect(users.crew.token, 'crew-dev'));
  });
});
