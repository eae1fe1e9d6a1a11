/**
 * Which entries are cancelled, derived from the log. Pure functions over
 * plain entries; the result does not depend on the order of the array.
 *
 * Rules: a reversal cancels its target once, however often it is reversed;
 * only REVERSIBLE_KINDS can be cancelled (a reversal of a reversal, an audit
 * record or a proposal is ignored and reported as invalid); a reversal whose
 * target is not in the log is ignored and reported as unknown (the target may
 * simply not have arrived yet).
 */
import type { EntryId } from './ids';
import { EntryKind, REVERSIBLE_KINDS, isKind, type Entry, type LineEntry, type ReversalEntry } from './entry';
import { byId, uniqueEntries } from './entryOrder';

/** What the reversals of a log do. */
export interface ReversalIndex {
  /** Cancelled entry id -> the reversals naming it (sorted by id). */
  readonly reversed: ReadonlyMap<EntryId, readonly ReversalEntry[]>;
  /** Reversals whose target is not in the log (sorted by id). */
  readonly unknown: readonly ReversalEntry[];
  /** Reversals whose target cannot be reversed (sorted by id). */
  readonly invalid: readonly ReversalEntry[];
}

/** Indexes the reversals of `entries`. */
export function reversalIndex(entries: readonly Entry[]): ReversalIndex {
  const unique = uniqueEntries(entries);
  const kindById = new Map<EntryId, Entry['kind']>(unique.map((e) => [e.id, e.kind]));
  const reversed = new Map<EntryId, ReversalEntry[]>();
  const unknown: ReversalEntry[] = [];
  const invalid: ReversalEntry[] = [];
  for (const reversal of unique.filter(isKind(EntryKind.reversal)).sort(byId)) {
    const targetKind = kindById.get(reversal.reverses);
    if (targetKind === undefined) unknown.push(reversal);
    else if (!REVERSIBLE_KINDS.includes(targetKind)) invalid.push(reversal);
    else {
      const list = reversed.get(reversal.reverses);
      if (list) list.push(reversal);
      else reversed.set(reversal.reverses, [reversal]);
    }
  }
  return { reversed, unknown, invalid };
}

/** The reversible entries not cancelled by any reversal, deduplicated by id, in input order. */
export function liveEntries(entries: readonly Entry[], index = reversalIndex(entries)): Entry[] {
  return uniqueEntries(entries).filter((e) => REVERSIBLE_KINDS.includes(e.kind) && !index.reversed.has(e.id));
}

/** Every receive line of the log, cancelled or not, deduplicated by id, in input order. */
export function lineEntries(entries: readonly Entry[]): LineEntry[] {
  return uniqueEntries(entries).filter(isKind(EntryKind.line));
}

/** The receive lines that count: not cancelled by a reversal. */
export function liveLines(entries: readonly Entry[], index = reversalIndex(entries)): LineEntry[] {
  return lineEntries(entries).filter((line) => !index.reversed.has(line.id));
}
