import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MISSING_DEPENDENCIES, applyJudged } from '../../relay/sync/applyJudged';
import { readChange, readChanges } from '../../relay/policy/readChange';

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

/** Frames a device sends, one per change, made on a copy of `base`'s state. */
function framesOf(base: Y.Doc, changes: ((d: Y.Doc) => void)[], clientID?: number): Uint8Array[] {
  const device = new Y.Doc();
  if (clientID !== undefined) device.clientID = clientID;
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base));
  const frames: Uint8Array[] = [];
  device.on('update', (u: Uint8Array) => frames.push(u));
  for (const change of changes) change(device);
  return frames;
}

/** A relay copy holding a few entries, fields and a nested map. */
function relayDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = 1;
  doc.getArray('entries').push([{ id: 'r:1' }, { id: 'r:2' }, { id: 'r:3' }]);
  doc.getMap('fields').set('supplier', 'ACME');
  doc.getMap('review').set('conflicts', new Y.Map());
  return doc;
}

describe('applyJudged with what judging read', () => {
  const cases: [string, (relay: Y.Doc) => Uint8Array[]][] = [
    ['lines streamed one frame each', (relay) => framesOf(relay, [1, 2, 3, 4].map((k) => (d) => d.getArray('entries').push([{ id: `a:${k}` }])), 10)],
    ['an insert between entries, a field overwritten and an entry deleted', (relay) =>
      framesOf(relay, [(d) => d.getArray('entries').insert(1, [{ id: 'a:1' }]), (d) => d.getMap('fields').set('supplier', 'Other'), (d) => d.getArray('entries').delete(0, 1)], 10)],
    ['a nested map made and written in one change', (relay) =>
      framesOf(relay, [(d) => d.transact(() => { const m = new Y.Map(); d.getMap('review').set('c2', m); m.set('status', 'open'); })], 10)],
    ['a change resting on another device\'s change carried with it', (relay) => {
      const first = framesOf(relay, [(d) => d.getArray('entries').push([{ id: 'a:1' }])], 10);
      const withFirst = new Y.Doc();
      Y.applyUpdate(withFirst, Y.encodeStateAsUpdate(relay));
      Y.applyUpdate(withFirst, first[0]!);
      const second = framesOf(withFirst, [(d) => d.getArray('entries').insert(4, [{ id: 'b:1' }])], 20);
      return [Y.mergeUpdates([first[0]!, second[0]!])];
    }],
    ['an update partly held already (a resend with more)', (relay) => {
      const frames = framesOf(relay, [(d) => d.getArray('entries').push([{ id: 'a:1' }]), (d) => d.getArray('entries').push([{ id: 'a:2' }])], 10);
      Y.applyUpdate(relay, frames[0]!);
      return [Y.mergeUpdates(frames)];
    }],
  ];

  it.each(cases)('leaves the document as applying the bytes does: %s', (_what, make) => {
    const viaBytes = relayDoc();
    const viaReading = relayDoc();
    const updates = make(viaBytes);
    Y.applyUpdate(viaReading, Y.encodeStateAsUpdate(viaBytes));
    const bytes = applyJudged(viaBytes, updates, 'peer');
    const reading = readChanges(viaReading, updates) ?? readChange(viaReading, Y.mergeUpdates(updates));
    const read = applyJudged(viaReading, reading, 'peer');
    expect(read.refusal).toBeNull();
    expect(read.failure).toBeNull();
    expect(read.until).toEqual(bytes.until);
    expect(read.deletes).toBe(bytes.deletes);
    // A nested type is one of each document's own: compared by what it holds.
    const values = (o: typeof read) => o.accepted?.added.flatMap((item) => item.values.map((v) => (v instanceof Y.AbstractType ? v.toJSON() : v)));
    expect(values(read)).toEqual(values(bytes));
    expect(viaReading.toJSON()).toEqual(viaBytes.toJSON());
    expect(Y.encodeStateAsUpdate(viaReading)).toEqual(Y.encodeStateAsUpdate(viaBytes));
  });

  it('refuses a change resting on structs nobody holds, tainting the document like the bytes would', () => {
    const { second } = deviceUpdates();
    const doc = new Y.Doc();
    const outcome = applyJudged(doc, readChange(doc, second), 'peer');
    expect(outcome.refusal).toBe(MISSING_DEPENDENCIES);
    expect(outcome.tainted).toBe(true);
    expect(outcome.accepted).toBeNull();
    expect(doc.getArray('entries').length).toBe(0);
  });
});
