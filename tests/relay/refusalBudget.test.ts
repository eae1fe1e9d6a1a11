import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RefusalBudget } from '../../relay/net/RefusalBudget';
import { connectRaw, type RawClient } from '../support/rawClient';
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
