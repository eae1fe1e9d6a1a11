/**
 * The story end to end over the network: two crew devices propose
 * different statuses for one receipt while offline; on reconnect the
 * supervisor sees one conflict with both candidates, resolves it, and every
 * device shows the decision. Devices are real Tally sync clients over /mux.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { createSyncClient, type SyncClient } from '../../client/sync';
import type { WebSocketConstructor } from '../../client/sync/WebSocketLike';
import { createAuthor, type Author } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';
import { proposeChange, resolveConflict } from '../../shared/model/recordWriters';
import { readMeta } from '../../shared/model/readRecord';
import { readReviewState } from '../../shared/review/reviewMap';
import type { ReviewState } from '../../shared/review/ReviewState';

const RECORD = 'record:R-7';

describe('status proposals through the relay', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: SyncClient[] = [];
  const device = (u: SiteUser): { client: SyncClient; doc: Y.Doc; author: Author } => {
    const client = createSyncClient({
      url: t.relay.url,
      token: u.token,
      device: `${u.name}-tablet`,
      WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      persistence: 'none',
      backoff: { minMs: 20, maxMs: 200 },
    });
    clients.push(client);
    return { client, doc: client.open(RECORD).doc, author: createAuthor({ user: u.id, device: `${u.name}-tablet`, firstSeq: 1 }) };
  };
  const review = (doc: Y.Doc): ReviewState | null => readReviewState(doc.getMap('review'));

  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await t.cleanup();
    await users.cleanup();
  });

  it('turns two offline crews\' different statuses into one conflict a supervisor settles for everyone', async () => {
    const ann = device(users.crew);
    createReceipt(ann.doc, ann.author, { id: 'R-7', site: 'main', supplier: 'ACME', dock: '2' });
    expect((await ann.client.flushAndWait(10_000)).ok).toBe(true);
    const bob = device(users.crew2);
    await eventually(() => readMeta(bob.doc) !== null && review(bob.doc)?.revision === 0, 10_000, 'bob to have the receipt');
    await eventually(() => review(ann.doc)?.revision === 0, 10_000, 'ann to see revision 0');

    // Both go offline and decide differently from the same revision.
    ann.client.connection.disconnect();
    bob.client.connection.disconnect();
    const received = proposeChange(ann.doc, ann.author, { field: 'status', value: 'received', baseRevision: 0 });
    const rejected = proposeChange(bob.doc, bob.author, { field: 'status', value: 'rejected', baseRevision: 0, note: 'pallets crushed' });
    ann.client.connection.reconnectNow();
    expect((await ann.client.flushAndWait(10_000)).ok).toBe(true);
    bob.client.connection.reconnectNow();
    expect((await bob.client.flushAndWait(10_000)).ok).toBe(true);

    const sue = device(users.supervisor);
    await eventually(() => Object.keys(review(sue.doc)?.conflicts ?? {}).length === 1, 10_000, 'the supervisor to see the conflict');
    const conflict = Object.values(review(sue.doc)!.conflicts)[0]!;
    expect(conflict.status).toBe('open');
    expect(conflict.candidates.map((c) => [c.proposalId, c.user, c.value]).sort()).toEqual(
      [
        [received.id, users.crew.id, 'received'],
        [rejected.id, users.crew2.id, 'rejected'],
      ].sort(),
    );
    expect(review(sue.doc)!.outcomes[rejected.id]?.result).toBe('conflict');

    resolveConflict(sue.doc, sue.author, { conflictId: conflict.id, chosen: rejected.id });
    expect((await sue.client.flushAndWait(10_000)).ok).toBe(true);

    for (const { doc } of [ann, bob, sue]) {
      await eventually(() => review(doc)?.conflicts[conflict.id]?.status === 'resolved', 10_000, 'the resolution to reach every device');
      const state = review(doc)!;
      expect(state.status).toBe('rejected');
      expect(state.conflicts[conflict.id]!.resolution).toMatchObject({ by: users.supervisor.id, chosen: rejected.id, setAside: [received.id] });
      expect(state.outcomes[received.id]?.result).toBe('resolved');
      expect(state.outcomes[rejected.id]).toMatchObject({ result: 'resolved', chosen: true });
    }
  });

  it('tells the proposer when a proposal is refused, and why', async () => {
    const ann = device(users.crew);
    createReceipt(ann.doc, ann.author, { id: 'R-7', site: 'main' });
    const closing = proposeChange(ann.doc, ann.author, { field: 'status', value: 'closed', baseRevision: 0 });
    expect((await ann.client.flushAndWait(10_000)).ok).toBe(true);
    await eventually(() => review(ann.doc)?.outcomes[closing.id] !== undefined, 10_000, 'the outcome');
    expect(review(ann.doc)!.outcomes[closing.id]).toMatchObject({ result: 'refused' });
    expect(review(ann.doc)!.outcomes[closing.id]!.reason).toMatch(/crew may not/);
    expect(review(ann.doc)!.status).toBe('open');
  });
});
