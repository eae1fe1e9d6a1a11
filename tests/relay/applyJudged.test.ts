import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MISSING_DEPENDENCIES, applyJudged } from '../../relay/sync/applyJudged';

/** Updates a device makes: the first line, and a second that depends on it. */
function deviceUpdates(): { first: Uint8Array; second: Uint8Array; client: number } {
  const device = new Y.Doc();
  const updates: Uint8Array[] = [];
  device.on('update', (u: Uint8Array) => updates.push(u));
  device.getArray('entries').push([{ id: 'a:1' }]);
  device.getArray('entries').push([{ id: 'a:2' }]);
  return { first: updates[0]!, second: updates[1]!, client: device.clientID };
}

describe('applyJudged', () => {
  it('applies an update and says which clocks it advanced and what it added', () => {
    const { first, client } = deviceUpdates();
    const doc = new Y.Doc();
    // Defined before the change, as the reviewer defines it: a type defined later replaces the one the change went to.
    const entries = doc.getArray('entries');
    const outcome = applyJudged(doc, [first], 'peer');
    expect(outcome).toMatchObject({ changed: true, deletes: false, refusal: null, failure: null, tainted: false });
    expect(outcome.until).toEqual(new Map([[client, 1]]));
    expect(outcome.accepted?.added.flatMap((item) => item.values)).toEqual([{ id: 'a:1' }]);
    expect(outcome.accepted?.changed.has(entries)).toBe(true);
    expect(doc.getArray('entries').toJSON()).toEqual([{ id: 'a:1' }]);
  });

  it('applies updates sent together in one transaction, the later one resting on the earlier', () => {
    const { first, second, client } = deviceUpdates();
    const doc = new Y.Doc();
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const outcome = applyJudged(doc, [first, second], 'peer');
    expect(outcome).toMatchObject({ changed: true, refusal: null, tainted: false });
    expect(outcome.until).toEqual(new Map([[client, 2]]));
    expect(transactions).toBe(1);
    // Found inside the transaction: Yjs merges the two items into one when it ends.
    expect(outcome.accepted?.added.flatMap((item) => item.values)).toEqual([{ id: 'a:1' }, { id: 'a:2' }]);
    expect(doc.getArray('entries').toJSON()).toEqual([{ id: 'a:1' }, { id: 'a:2' }]);
  });

  it('reports an update the document already holds as no change, with nothing accepted to follow', () => {
    const { first } = deviceUpdates();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, first);
    const outcome = applyJudged(doc, [first], 'peer');
    expect(outcome).toMatchObject({ changed: false, refusal: null, tainted: false, accepted: null });
  });

  it('refuses an update whose dependencies are missing, tainting the document, with nothing accepted to follow', () => {
    const { second } = deviceUpdates();
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, [second], 'peer');
    expect(outcome.refusal).toBe(MISSING_DEPENDENCIES);
    expect(outcome.tainted).toBe(true);
    expect(outcome.accepted).toBeNull();
  });

  it('returns what stopped Yjs on malformed bytes, tainting the document only if part of it got in', () => {
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, [new Uint8Array([1, 200, 200, 200, 200])], 'peer');
    expect(outcome.failure).toBeInstanceOf(Error);
    expect(outcome.changed).toBe(false);
    expect(outcome.tainted).toBe(false);
  });
});
