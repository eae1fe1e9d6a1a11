/**
 * The merge guarantee of the record model, by property: any interleaving of
 * concurrent appends on N devices, with updates delivered in any order and
 * some delivered twice, converges to one state on every device; totals are
 * the sum of the live lines written; no entry is lost or doubled.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addComment,
  addReceiveLine,
  createAuthor,
  createReceipt,
  entriesOf,
  lineEntries,
  readRecord,
  receivedByItem,
  reverseEntry,
  setField,
  type Author,
} from '../../shared/model';

const REMOTE = Symbol('remote');
const ITEMS = ['SKU-1', 'SKU-2', 'SKU-3'] as const;

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('line' as const), doc: fc.nat(), item: fc.constantFrom(...ITEMS), qty: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reverse' as const), doc: fc.nat(), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('comment' as const), doc: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('field' as const), doc: fc.nat(), value: fc.constantFrom('1', '2', '3') }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('deliver' as const), pick: fc.nat(), twice: fc.boolean() }) },
);

interface Pending {
  to: number;
  update: Uint8Array;
}

/** N replicas of one receipt, each with its own author and its own outbox of updates. */
function replicas(n: number) {
  const origin = new Y.Doc();
  createReceipt(origin, createAuthor({ user: 'setup', device: 'setup' }), { id: 'R1', site: 'north', supplier: 'ACME', dock: '1' });
  const start = Y.encodeStateAsUpdate(origin);
  const pending: Pending[] = [];
  const docs: Y.Doc[] = [];
  const authors: Author[] = [];
  for (let i = 0; i < n; i++) {
    const doc = new Y.Doc();
    doc.clientID = i + 1; // deterministic, so a failure replays the same way
    Y.applyUpdate(doc, start, REMOTE);
    doc.on('update', (update: Uint8Array, from: unknown) => {
      if (from === REMOTE) return;
      for (let to = 0; to < n; to++) if (to !== i) pending.push({ to, update });
    });
    docs.push(doc);
    authors.push(createAuthor({ user: `user${i}`, device: `dev${i}`, now: () => 1_000 + i })); // equal, skewed clocks
  }
  return { docs, authors, pending, initial: entriesOf(origin).map((e) => e.id) };
}

describe('concurrent appends on N devices', () => {
  it('converge to one state with every entry once and totals = sum of live lines', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.array(op, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (n, ops, finalOrder, redeliver) => {
          const { docs, authors, pending, initial } = replicas(n);
          const written = new Set<string>(initial);
          const qtyOf = new Map<string, { item: string; qty: number }>();
          const reversed = new Set<string>();
          const delivered: Pending[] = [];
          const deliver = (index: number, twice: boolean) => {
            const [message] = twice ? [pending[index]!] : pending.splice(index, 1);
            Y.applyUpdate(docs[message!.to]!, message!.update, REMOTE);
            delivered.push(message!);
          };

          for (const o of ops) {
            const d = 'doc' in o ? o.doc % n : 0;
            const doc = docs[d]!;
            const author = authors[d]!;
            if (o.type === 'line') {
              const line = addReceiveLine(doc, author, { item: o.item, qty: o.qty });
              written.add(line.id);
              qtyOf.set(line.id, { item: o.item, qty: o.qty });
            } else if (o.type === 'reverse') {
              const lines = lineEntries(entriesOf(doc)); // reversed ones too: double reversals happen
              if (lines.length === 0) continue;
              const target = lines[o.pick % lines.length]!.id;
              written.add(reverseEntry(doc, author, target, 'correction').id);
              reversed.add(target);
            } else if (o.type === 'comment') {
              written.add(addComment(doc, author, `note from ${d}`).id);
            } else if (o.type === 'field') {
              const edit = setField(doc, author, 'dock', o.value);
              if (edit) written.add(edit.id);
            } else if (pending.length > 0) {
              deliver(o.pick % pending.length, o.twice);
            }
          }
          for (const pick of finalOrder) if (pending.length > 0) deliver(pick % pending.length, false);
          while (pending.length > 0) deliver(0, false);
          for (const pick of redeliver) if (delivered.length > 0) pending.push(delivered[pick % delivered.length]!);
          while (pending.length > 0) deliver(0, false);

          const first = docs[0]!;
          const snapshot = readRecord(first);
          for (const doc of docs) {
            expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(first));
            expect(Y.encodeStateAsUpdate(doc)).toEqual(Y.encodeStateAsUpdate(first));
            expect(readRecord(doc)).toEqual(snapshot);
          }

          const ids = snapshot.entries.map((e) => e.id);
          expect(new Set(ids).size).toBe(ids.length); // nothing doubled
          expect(new Set(ids)).toEqual(written); // nothing lost, nothing invented
          expect(snapshot.rejected).toBe(0);

          const expected = new Map<string, number>();
          for (const [id, { item, qty }] of qtyOf) {
            if (!reversed.has(id)) expected.set(item, (expected.get(item) ?? 0) + qty);
          }
          expect(Object.fromEntries(receivedByItem(snapshot.entries).totals)).toEqual(Object.fromEntries(expected));
        },
      ),
      { numRuns: 100 },
    );
  });
});
