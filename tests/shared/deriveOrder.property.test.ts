/**
 * Determinism of the derivations: replicas may hold concurrent entries in any
 * order, so every derived value must be the same for any permutation of a log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentCounts, fieldConflicts, receivedByItem, reversalIndex, totalReceived, type Entry } from '../../shared/model';
import { count, edit, line, recount, reversal } from './entryBuilders';

const DEVICES = ['a', 'b', 'c'] as const;

/** A recipe for one entry; targets are picked among earlier entries by index. */
const recipe = fc.record({
  kind: fc.constantFrom('line', 'count', 'recount', 'reversal', 'edit'),
  device: fc.constantFrom(...DEVICES),
  user: fc.constantFrom('u1', 'u2'), // a user may work on several devices
  at: fc.integer({ min: 0, max: 2 }), // few distinct times, so tie-breaks matter
  item: fc.constantFrom('X', 'Y'),
  bin: fc.constantFrom('B1', 'B2'),
  qty: fc.integer({ min: 1, max: 9 }),
  pick: fc.nat(),
});

type Recipe = typeof recipe extends fc.Arbitrary<infer T> ? T : never;

/** Builds a valid log from recipes: per-device sequence numbers, reversals of earlier (or unknown) ids. */
function buildLog(recipes: Recipe[]): Entry[] {
  const seqs: Record<string, number> = { a: 0, b: 0, c: 0 };
  const log: Entry[] = [];
  for (const r of recipes) {
    const stamp = { device: r.device, user: r.user, seq: ++seqs[r.device]!, at: r.at };
    const earlier = log[r.pick % Math.max(log.length, 1)];
    const fieldEdits = log.filter((e) => e.kind === 'fieldEdit');
    const base = fieldEdits[r.pick % Math.max(fieldEdits.length, 1)];
    switch (r.kind) {
      case 'line':
        log.push(line(stamp, r.item, r.qty));
        break;
      case 'count':
        log.push(count(stamp, r.bin, r.item, r.qty % 3, earlier?.kind === 'recountRequest' ? earlier.id : undefined));
        break;
      case 'recount':
        log.push(recount(stamp, r.bin, r.item));
        break;
      case 'reversal':
        log.push(reversal(stamp, earlier && r.pick % 5 !== 0 ? earlier.id : 'z:1'));
        break;
      case 'edit':
        log.push(edit(stamp, 'notes', base?.kind === 'fieldEdit' ? base.to : null, `v${r.qty % 3}`, base?.id ?? null));
        break;
    }
  }
  return log;
}

/** Everything derived from a log, as plain comparable data. */
function derived(log: Entry[]) {
  const received = receivedByItem(log);
  const index = reversalIndex(log);
  return {
    totals: [...received.totals],
    lines: [...received.lines],
    unknown: received.unknownReversals.map((r) => r.id),
    reversed: [...index.reversed.keys()].sort(),
    invalid: index.invalid.map((r) => r.id),
    counts: currentCounts(log),
    conflicts: fieldConflicts(log),
  };
}

describe('derivations are independent of log order', () => {
  it('gives the same results for any permutation of the same entries', () => {
    fc.assert(
      fc.property(
        fc.array(recipe, { maxLength: 40 }).chain((recipes) => {
          const log = buildLog(recipes);
          return fc.tuple(fc.constant(log), fc.shuffledSubarray(log, { minLength: log.length, maxLength: log.length }));
        }),
        ([log, shuffled]) => {
          expect(derived(shuffled)).toEqual(derived(log));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('totals equal the sum of lines that no valid reversal names', () => {
    fc.assert(
      fc.property(fc.array(recipe, { maxLength: 40 }), (recipes) => {
        const log = buildLog(recipes);
        const cancelled = new Set(log.flatMap((e) => (e.kind === 'reversal' ? [e.reverses] : [])));
        const expected = log.reduce((sum, e) => (e.kind === 'line' && !cancelled.has(e.id) ? sum + e.qty : sum), 0);
        expect(totalReceived(log)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
