/**
 * The story at the document level, without a network: devices write
 * entries with shared/model's writers, a stand-in relay decides in arrival
 * order and writes the review map, and every device reads the same outcome.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAuthor, type Author } from '../../shared/model/author';
import { createCountSheet } from '../../shared/model/createRecord';
import { entriesOf } from '../../shared/model/readRecord';
import { recordDocName } from '../../shared/model/recordLayout';
import { proposeChange, resolveConflict } from '../../shared/model/recordWriters';
import type { RecordId } from '../../shared/model/ids';
import { applyReviewEvent, type RoleLookup } from '../../shared/review/replay';
import { parseProposal, parseResolution } from '../../shared/review/reviewEntries';
import { emptyReviewState } from '../../shared/review/ReviewState';
import { readReviewState, writeReviewState } from '../../shared/review/reviewMap';

const roles: RoleLookup = { ann: 'crew', sue: 'supervisor', sam: 'supervisor' };
const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

/** What the relay does after each device's update: decide every new proposal and resolution, write the map. */
function relayDecides(relay: Y.Doc, now: number): void {
  const review = relay.getMap('review');
  let state = readReviewState(review) ?? emptyReviewState(recordDocName('C-7' as RecordId), 'count');
  for (const entry of entriesOf(relay)) {
    if (entry.kind === 'proposal') state = applyReviewEvent(state, { type: 'proposal', entry: parseProposal(entry), now }, roles);
    if (entry.kind === 'resolution') state = applyReviewEvent(state, { type: 'resolution', entry: parseResolution(entry), now }, roles);
  }
  relay.transact(() => writeReviewState(review, state), 'relay');
}

const author = (user: string, device: string): Author => createAuthor({ user, device, now: () => 1_000 });
const revisionOn = (doc: Y.Doc) => readReviewState(doc.getMap('review'))?.revision ?? 0;

describe('two supervisors decide a count sheet offline', () => {
  it('ends in one conflict with both candidates, resolved the same on every device', () => {
    const relay = new Y.Doc();
    const [crew, sue, sam] = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    createCountSheet(crew, author('ann', 'crew-1'), { id: 'C-7', site: 'north' });
    proposeChange(crew, author('ann', 'crew-1'), { field: 'status', value: 'submitted', baseRevision: 0 });
    sync(crew, relay);
    relayDecides(relay, 10);
    for (const d of [sue, sam]) sync(relay, d);

    // Both offline, both at revision 1, different decisions.
    const accepted = proposeChange(sue, author('sue', 'sup-1'), { field: 'status', value: 'accepted', baseRevision: revisionOn(sue) });
    const recount = proposeChange(sam, author('sam', 'sup-2'), { field: 'status', value: 'recount', baseRevision: revisionOn(sam) });
    sync(sue, relay);
    relayDecides(relay, 20);
    sync(sam, relay);
    relayDecides(relay, 30);
    for (const d of [crew, sue, sam]) sync(relay, d);

    const seen = readReviewState(sue.getMap('review'));
    expect(seen?.status).toBe('accepted');
    expect(Object.values(seen?.conflicts ?? {})).toHaveLength(1);
    expect(seen?.conflicts.c1?.candidates.map((c) => [c.user, c.value])).toEqual([
      ['sue', 'accepted'],
      ['sam', 'recount'],
    ]);

    resolveConflict(sue, author('sue', 'sup-1'), { conflictId: 'c1', chosen: recount.id });
    sync(sue, relay);
    relayDecides(relay, 40);
    for (const d of [crew, sue, sam]) sync(relay, d);

    const views = [crew, sue, sam, relay].map((d) => JSON.stringify(readReviewState(d.getMap('review'))));
    expect(new Set(views).size).toBe(1);
    const final = readReviewState(crew.getMap('review'));
    expect(final?.status).toBe('recount');
    expect(final?.conflicts.c1).toMatchObject({ status: 'resolved', resolution: { by: 'sue', chosen: recount.id, setAside: [accepted.id] } });
    expect(final?.outcomes[accepted.id]).toMatchObject({ result: 'resolved', chosen: false });
    expect(final?.outcomes[recount.id]).toMatchObject({ result: 'resolved', chosen: true });
  });
});
