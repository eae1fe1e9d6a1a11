/**
 * Received quantity per item of a goods receipt, derived from its log: the
 * sum of the live (not reversed) lines. Lines from different devices add up:
 * 50 on one device and 30 on another are 80 everywhere.
 */
import type { EntryId } from './ids';
import type { Entry, ReversalEntry } from './entry';
import { compareStrings } from './entryOrder';
import { liveLines, reversalIndex, type ReversalIndex } from './reversals';

/** Received totals of a receipt. */
export interface ReceivedByItem {
  /** Item -> total quantity of its live lines, sorted by item; items with no live line are absent. */
  readonly totals: ReadonlyMap<string, number>;
  /** Item -> ids of its live lines (sorted), for drill-down. */
  readonly lines: ReadonlyMap<string, readonly EntryId[]>;
  /** Reversals naming an entry not in the log: ignored for the totals, reported here. */
  readonly unknownReversals: readonly ReversalEntry[];
}

/** Sums the live receive lines of `entries` per item (`index`: their reversals, when already at hand). */
export function receivedByItem(entries: readonly Entry[], index: ReversalIndex = reversalIndex(entries)): ReceivedByItem {
  const sums = new Map<string, number>();
  const ids = new Map<string, EntryId[]>();
  for (const line of liveLines(entries, index)) {
    sums.set(line.item, (sums.get(line.item) ?? 0) + line.qty);
    const list = ids.get(line.item);
    if (list) list.push(line.id);
    else ids.set(line.item, [line.id]);
  }
  const items = [...sums.keys()].sort(compareStrings);
  let lines: ReadonlyMap<string, readonly EntryId[]> | null = null;
  return {
    totals: new Map(items.map((item) => [item, sums.get(item) ?? 0])),
    // Sorted when first asked for: a scan into a long receipt needs the totals only.
    get lines() {
      lines ??= new Map(items.map((item) => [item, (ids.get(item) ?? []).sort(compareStrings)]));
      return lines;
    },
    unknownReversals: index.unknown,
  };
}

/** The total of live lines over all items. */
export function totalReceived(entries: readonly Entry[]): number {
  let total = 0;
  for (const qty of receivedByItem(entries).totals.values()) total += qty;
  return total;
}
