/**
 * Deterministic order and identity of entries, shared by every derivation so
 * results never depend on the order concurrent entries sit in an array.
 */
import type { EntryId } from './ids';
import type { Entry, EntryHeader } from './entry';

/** Compares strings by code unit, the same on every machine (no locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders entries by device time, then sequence number, then id. Device clocks
 * may be skewed, so "latest" means latest by this order, nothing more.
 */
export function compareEntries(a: EntryHeader, b: EntryHeader): number {
  return a.at - b.at || a.seq - b.seq || compareStrings(a.id, b.id);
}

/** Orders entries by id (for reports). */
export function byId(a: EntryHeader, b: EntryHeader): number {
  return compareStrings(a.id, b.id);
}

/** The later of two entries by `compareEntries`. */
export function later<E extends EntryHeader>(a: E, b: E): E {
  return compareEntries(a, b) >= 0 ? a : b;
}

function canonical(entry: Entry): string {
  const record = entry as unknown as Record<string, unknown>;
  return JSON.stringify(Object.keys(record).sort().map((key) => [key, record[key]]));
}

/** Ids that occur more than once in `entries` (sorted). */
export function duplicateIds(entries: readonly Entry[]): EntryId[] {
  const seen = new Set<EntryId>();
  const dup = new Set<EntryId>();
  for (const entry of entries) (seen.has(entry.id) ? dup : seen).add(entry.id);
  return [...dup].sort(compareStrings);
}

/**
 * One entry per id, at the position of the id's first occurrence. Ids are
 * unique by construction; should a buggy or hostile client repeat one, the
 * copy with the smallest canonical JSON wins, so every replica picks the
 * same one and nothing is counted twice. Without a repeat, `entries` itself
 * (no copy: every derivation of a record starts here, several per scan).
 */
export function uniqueEntries(entries: readonly Entry[]): readonly Entry[] {
  const chosen = new Map<EntryId, Entry>();
  let repeated = false;
  for (const entry of entries) {
    const held = chosen.get(entry.id);
    if (held === undefined) chosen.set(entry.id, entry);
    else {
      repeated = true;
      if (held !== entry && canonical(entry) < canonical(held)) chosen.set(entry.id, entry);
    }
  }
  return repeated ? [...chosen.values()] : entries;
}
