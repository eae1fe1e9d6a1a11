import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MISSING_DEPENDENCIES, applyJudged, wasRefused } from '../../relay/sync/applyJudged';

/** Updates a device makes: the first line, and a second that depends on it. */
function deviceUpdates(): { first: Uint8Array; second: Uint8Array; client: number } {
  const device = new Y.Doc();
  const updates: Uint8Array[] = [];
  device.on('update', (u: Uint8Array) => updates.push(u));
  device.getArray('entries').push([{ id: 'a:1' }]);
  device.getArray('entries').push([{ id: 'a:2' }]);
  return { first: updates[0]!, second: updates[1]!, client: device.clientID };
}

function accept(): string | null {
  return null;
}

describe('applyJudged', () => {
  it('applies an update the judge accepts and says which clocks it advanced', () => {
    const { first, client } = deviceUpdates();
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, [first], 'peer', accept);
    expect(outcome).toMatchObject({ changed: true, deletes: false, refusal: null, failure: null, tainted: false });
    expect(outcome.until).toEqual(new Map([[client, 1]]));
    expect(doc.getArray('entries').toJSON()).toEqual([{ id: 'a:1' }]);
  });

  it('applies updates sent together in one transaction, judged once, the later one resting on the earlier', () => {
    const { first, second, client } = deviceUpdates();
    const doc = new Y.Doc();
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    let judged = 0;
    const outcome = applyJudged(doc, [first, second], 'peer', () => {
      judged++;
      return null;
    });
    expect(outcome).toMatchObject({ changed: true, refusal: null, tainted: false });
    expect(outcome.until).toEqual(new Map([[client, 2]]));
    expect([transactions, judged]).toEqual([1, 1]);
    expect(doc.getArray('entries').toJSON()).toEqual([{ id: 'a:1' }, { id: 'a:2' }]);
  });

  it('refuses updates sent together as a whole when the judge refuses what they did', () => {
    const { first, second } = deviceUpdates();
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, [first, second], 'peer', () => 'not allowed');
    expect(outcome).toMatchObject({ refusal: 'not allowed', tainted: true });
  });

  it('reports an update the document already holds as no change, without asking the judge', () => {
    const { first } = deviceUpdates();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, first);
    let asked = false;
    const outcome = applyJudged(doc, [first], 'peer', (): string | null => {
      asked = true;
      return 'no';
    });
    expect(outcome).toMatchObject({ changed: false, refusal: null, tainted: false });
    expect(asked).toBe(false);
  });

  const refusals: [string, 'first' | 'second', () => string | null, string][] = [
    ['a refusal from the judge', 'first', () => 'not allowed', 'not allowed'],
    ['an update whose dependencies are missing', 'second', accept, MISSING_DEPENDENCIES],
  ];
  it.each(refusals)('marks %s as tainting the document, and observers see the transaction refused', (_what, which, judge, reason) => {
    const updates = deviceUpdates();
    const doc = new Y.Doc();
    let observedRefused: boolean | undefined;
    doc.on('afterTransaction', (txn: Y.Transaction) => {
      observedRefused = wasRefused(txn);
    });
    const outcome = applyJudged(doc, [updates[which]], 'peer', judge);
    expect(outcome.refusal).toBe(reason);
    expect(outcome.tainted).toBe(true);
    expect(observedRefused).toBe(true);
  });

  it('returns what stopped Yjs on malformed bytes, tainting the document only if part of it got in', () => {
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, [new Uint8Array([1, 200, 200, 200, 200])], 'peer', accept);
    expect(outcome.failure).toBeInstanceOf(Error);
    expect(outcome.changed).toBe(false);
    expect(outcome.tainted).toBe(false);
  });
});
