/**
 * Rule 5's determinism, checked on the live relay: random histories of
 * proposals from several devices (random values, fresh and stale bases,
 * arriving in random order) go through the relay; replaying the decision log
 * from scratch with the pure rules gives the review map the relay wrote,
 * byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { connectRaw } from '../support/rawClient';
import { eventually } from '../support/eventually';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUser, type SiteUsers } from '../support/siteUsers';
import { docFromUpdates, openDoc, sendChangeAndWaitAck } from '../support/muxClient';
import { createAuthor } from '../../shared/model/author';
import { createReceipt } from '../../shared/model/createRecord';
import { proposeChange } from '../../shared/model/recordWriters';
import { entriesOf } from '../../shared/model/readRecord';
import { readReviewState } from '../../shared/review/reviewMap';
import { emptyReviewState } from '../../shared/review/ReviewState';
import { replay, type ReviewEvent } from '../../shared/review/replay';
import { parseProposal } from '../../shared/review/reviewEntries';
import { STATUSES } from '../../shared/review/transitions';

describe('review map determinism on the live relay', () => {
  let t: TestRelay;
  let users: SiteUsers;
  let run = 0;
  beforeAll(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterAll(async () => {
    await t.cleanup();
    await users.cleanup();
  });

  const proposal = fc.record({
    who: fc.constantFrom<'crew' | 'crew2' | 'supervisor' | 'auditor'>('crew', 'crew2', 'supervisor', 'auditor'),
    field: fc.constantFrom<'status' | 'hold'>('status', 'status', 'status', 'hold'),
    status: fc.constantFrom(...STATUSES.receipt),
    hold: fc.boolean(),
    staleBy: fc.nat({ max: 2 }),
  });

  it('replays every random history to the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(proposal, { minLength: 1, maxLength: 12 }), async (history) => {
        const id = `RR-${++run}`;
        const name = `record:${id}`;
        const roleOfId = Object.fromEntries([users.crew, users.crew2, users.supervisor, users.auditor].map((u) => [u.id, u.role]));
        const creator = await connectRaw(t.wsUrl(`/mux?token=${users.supervisor.token}&device=sup`));
        const base = new Y.Doc();
        createReceipt(base, createAuthor({ user: users.supervisor.id, device: 'sup', firstSeq: 1 }), { id, site: 'main' });
        openDoc(creator, name);
        await sendChangeAndWaitAck(creator, name, 1, Y.encodeStateAsUpdate(base));
        creator.close();
        await eventually(async () => readReviewState(docFromUpdates(await t.store.load(name)).getMap('review')) !== null, 5_000, 'review map');

        // Each proposal is made on a copy of the relay's state, against a revision possibly behind it.
        let seq = 100;
        for (const p of history) {
          const user: SiteUser = users[p.who];
          const copy = docFromUpdates(await t.store.load(name));
          const revision = readReviewState(copy.getMap('review'))?.revision ?? 0;
          const parts: Uint8Array[] = [];
          copy.on('update', (u: Uint8Array) => parts.push(u));
          proposeChange(copy, createAuthor({ user: user.id, device: `${p.who}-dev`, firstSeq: seq++ }), {
            field: p.field,
            value: p.field === 'status' ? p.status : p.hold,
            baseRevision: Math.max(0, revision - p.staleBy),
          });
          const c = await connectRaw(t.wsUrl(`/mux?token=${user.token}&device=${p.who}-dev`));
          openDoc(c, name);
          if (p.who === 'auditor') {
            c.close(); // an auditor's write is refused before it reaches the rules
            continue;
          }
          await sendChangeAndWaitAck(c, name, 1, Y.mergeUpdates(parts));
          c.close();
        }

        const relayDoc = docFromUpdates(await t.store.load(name));
        const live = readReviewState(relayDoc.getMap('review'))!;
        const byId = new Map(entriesOf(relayDoc).map((e) => [e.id as string, e]));
        const events: ReviewEvent[] = [];
        const seen = new Set<string>();
        for (const d of live.log) {
          if (d.event !== 'proposal' || !d.entryId || seen.has(d.entryId)) continue;
          seen.add(d.entryId);
          events.push({ type: 'proposal', entry: parseProposal(byId.get(d.entryId)), now: d.at });
        }
        const replayed = replay(events, roleOfId, emptyReviewState(name, 'receipt'));
        expect(JSON.stringify(replayed)).toBe(JSON.stringify(live));
        // Every proposal the relay received has an outcome.
        const proposals = entriesOf(relayDoc).filter((e) => e.kind === 'proposal');
        expect(proposals.every((e) => live.outcomes[e.id] !== undefined)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});
