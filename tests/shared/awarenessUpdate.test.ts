import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { readAwarenessUpdate, writeAwarenessUpdate } from '../../shared/protocol/awarenessUpdate';

const hex = (s: string): Uint8Array => new Uint8Array(s.split(' ').filter(Boolean).map((b) => parseInt(b, 16)));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('readAwarenessUpdate', () => {
  const awarenesses: awarenessProtocol.Awareness[] = [];
  afterEach(() => {
    for (const a of awarenesses.splice(0)) a.destroy();
  });

  it("reads what y-protocols writes, and writes it back byte for byte", () => {
    const a = new awarenessProtocol.Awareness(new Y.Doc());
    const b = new awarenessProtocol.Awareness(new Y.Doc());
    awarenesses.push(a, b);
    a.setLocalState({ user: { name: 'Ana, dock 3' } });
    b.setLocalState({ cursor: 12 });
    awarenessProtocol.applyAwarenessUpdate(a, awarenessProtocol.encodeAwarenessUpdate(b, [b.clientID]), 'test');
    const update = awarenessProtocol.encodeAwarenessUpdate(a, [a.clientID, b.clientID]);
    const entries = readAwarenessUpdate(update);
    expect(entries.map((e) => ({ clientId: e.clientId, clock: e.clock, state: JSON.parse(text(e.state)) }))).toEqual([
      { clientId: a.clientID, clock: 1, state: { user: { name: 'Ana, dock 3' } } },
      { clientId: b.clientID, clock: 1, state: { cursor: 12 } },
    ]);
    expect(writeAwarenessUpdate(entries)).toEqual(update);
  });

  it.each([
    ['no entries', '00', []],
    ['one removal: client 5, clock 2, null', '01 05 02 04 6e 75 6c 6c', [{ clientId: 5, clock: 2, state: 'null' }]],
    ['an empty JSON string (left for the reader of the state to refuse)', '01 05 02 00', [{ clientId: 5, clock: 2, state: '' }]],
  ])('reads %s', (_what, bytes, expected) => {
    expect(readAwarenessUpdate(hex(bytes)).map((e) => ({ ...e, state: text(e.state) }))).toEqual(expected);
  });

  it.each([
    ['nothing', ''],
    ['a count with no entries after it', '01'],
    ['an entry without its state', '01 05 02'],
    ['a state shorter than its length', '01 05 02 04 6e 75'],
    ['a truncated varint', 'ff'],
    ['a second entry missing', '02 05 02 04 6e 75 6c 6c'],
  ])('throws on %s', (_what, bytes) => {
    expect(() => readAwarenessUpdate(hex(bytes))).toThrow();
  });
});
