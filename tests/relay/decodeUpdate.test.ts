import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { UpdateReader, decodeUpdate, readVarString } from '../../relay/policy/decodeUpdate';

/** What reading `bytes` with `read` gives: the value and where the decoder stopped, or that it threw. */
function outcome(read: (d: decoding.Decoder) => unknown, bytes: Uint8Array): { value: unknown; pos: number } | 'threw' {
  // A copy of its own: lib0 reads through the underlying buffer, which must end where the bytes do.
  const d = decoding.createDecoder(Uint8Array.from(bytes));
  try {
    return { value: read(d), pos: d.pos };
  } catch {
    return 'threw';
  }
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Any value lib0's writeAny takes, strings of every kind (lone surrogates too) included. */
const anyValueOf = (noNullPrototype: boolean): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ maxLength: 100 }),
    fc.uint8Array({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), tie('value'), { maxKeys: 4, noNullPrototype }),
  ),
})).value;
const anyValue = anyValueOf(false);
/** Values inside an entry or a field (Yjs takes only plain objects, arrays and primitives at the top). */
const entryValue = anyValueOf(true);

function writeAny(value: unknown): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeAny(e, value as never);
  return encoding.toUint8Array(e);
}

/** A reader that remembers keys, one that does not, and one of four slots, so keys share slots. */
const readers = [new UpdateReader(), new UpdateReader({ rememberedKeys: 0 }), new UpdateReader({ rememberedKeys: 4 })];
/** readAny of every reader: what each reads of the same bytes, in turn (the remembering ones keep their keys across calls). */
const readAnyOf = (reader: UpdateReader) => (d: decoding.Decoder) => reader.readAny(d);

describe('readAny and readVarString: what lib0 reads, byte for byte', () => {
  it('read back any value lib0 writes as lib0 reads it', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const bytes = writeAny(value);
        for (const reader of readers) expect(outcome(readAnyOf(reader), bytes)).toStrictEqual(outcome(decoding.readAny, bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('read any bytes at all as lib0 does: the same value and position, or both throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        for (const reader of readers) expect(outcome(readAnyOf(reader), bytes)).toStrictEqual(outcome(decoding.readAny, bytes));
        expect(outcome(readVarString, bytes)).toStrictEqual(outcome(decoding.readVarString, bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['an ASCII string', '03 61 62 63', { value: 'abc', pos: 4 }],
    ['the empty string', '00', { value: '', pos: 1 }],
    ['two-byte UTF-8', '02 c3 a9', { value: 'é', pos: 3 }],
    ['ASCII then UTF-8', '03 61 c3 a9', { value: 'aé', pos: 4 }],
    ['a byte that is not UTF-8', '01 ff', 'threw'],
    ['a length past the end', '05 61 62', 'threw'],
    ['256 ASCII characters (the longest read without lib0)', `8002 ${'61'.repeat(256)}`, { value: 'a'.repeat(256), pos: 258 }],
    ['257 ASCII characters (read by lib0)', `8102 ${'61'.repeat(257)}`, { value: 'a'.repeat(257), pos: 259 }],
  ] as const)('reads %s', (_what, bytes, expected) => {
    expect(outcome(readVarString, hex(bytes))).toStrictEqual(expected);
    expect(outcome(decoding.readVarString, hex(bytes))).toStrictEqual(expected);
  });

  it('reads every key right when keys take turns in one slot', () => {
    const oneSlot = new UpdateReader({ rememberedKeys: 1 });
    const read = (value: unknown): unknown => oneSlot.readAny(decoding.createDecoder(writeAny(value)));
    expect([read({ qty: 1 }), read({ lot: 'L1' }), read({ qty: 2, lot: 'L2' }), read({ qty: 3 })]).toEqual([{ qty: 1 }, { lot: 'L1' }, { qty: 2, lot: 'L2' }, { qty: 3 }]);
  });

  it('takes a power of two or 0 slots', () => {
    expect(() => new UpdateReader({ rememberedKeys: 3 })).toThrow(/power of two/);
  });

  it('assigns an object key "__proto__" as lib0 does', () => {
    const bytes = hex(`76 01 09 ${Buffer.from('__proto__').toString('hex')} 76 01 01 78 77 01 79`);
    const mine = outcome(readAnyOf(readers[0]!), bytes);
    expect(mine).toStrictEqual(outcome(decoding.readAny, bytes));
    expect(mine !== 'threw' && Object.getPrototypeOf(mine.value)).toEqual({ x: 'y' });
  });
});

/** A decoded update as plain data: every field of every struct and its content (a nested type by its kind, not read). */
function plain(decoded: ReturnType<typeof Y.decodeUpdate>): unknown {
  const structs = decoded.structs.map((struct) => {
    if (!(struct instanceof Y.Item)) return { kind: struct.constructor.name, id: struct.id, length: struct.length };
    const { content, id, length, origin, rightOrigin, parent, parentSub, info } = struct;
    const inner = content instanceof Y.ContentType ? { type: content.type.constructor.name } : { ...content };
    return { kind: 'Item', id, length, origin, rightOrigin, parent, parentSub, info, content: { kind: content.constructor.name, ...inner } };
  });
  return { structs, ds: decoded.ds.clients };
}

describe('decodeUpdate', () => {
  /** Updates of a record-like document: entries, map fields, text, nested types, deletions. */
  const edits = fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('entry' as const), value: entryValue }),
      fc.record({ kind: fc.constant('field' as const), key: fc.string({ unit: 'binary', maxLength: 8 }), value: entryValue }),
      fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 20 }) }),
      fc.record({ kind: fc.constant('nested' as const), key: fc.string({ maxLength: 8 }), value: entryValue }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    ),
    { minLength: 1, maxLength: 8 },
  );

  it('gives the structs and delete set Y.decodeUpdate gives, for any update of a document', () => {
    fc.assert(
      fc.property(edits, (steps) => {
        const doc = new Y.Doc();
        const updates: Uint8Array[] = [];
        doc.on('update', (u: Uint8Array) => updates.push(u));
        for (const step of steps) {
          const entries = doc.getArray<unknown>('entries');
          if (step.kind === 'entry') entries.push([{ v: step.value }]);
          else if (step.kind === 'field') doc.getMap('meta').set(step.key, { v: step.value });
          else if (step.kind === 'text') doc.getText('notes').insert(0, step.text);
          else if (step.kind === 'nested') {
            const inner = new Y.Map<unknown>();
            entries.push([inner]);
            inner.set(step.key, { v: step.value });
          } else if (entries.length > 0) entries.delete(step.at % entries.length, 1);
        }
        for (const update of [...updates, Y.encodeStateAsUpdate(doc)]) {
          const expected = plain(Y.decodeUpdate(update));
          expect(plain(decodeUpdate(update))).toStrictEqual(expected);
          for (const reader of readers) expect(plain(decodeUpdate(update, reader))).toStrictEqual(expected);
          // As a socket hands it over: a view into a larger buffer, not at its start.
          const held = new Uint8Array(update.length + 7);
          held.set(update, 3);
          expect(plain(decodeUpdate(held.subarray(3, 3 + update.length), readers[0]))).toStrictEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('throws where Y.decodeUpdate throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(outcome(() => decodeUpdate(Uint8Array.from(bytes)), bytes)).toStrictEqual(outcome(() => Y.decodeUpdate(Uint8Array.from(bytes)), bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
