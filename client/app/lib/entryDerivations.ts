/**
 * Derivations of a record's entries that several parts of one screen need
 * (the receipt's totals, its lines list, its photo panel), computed once per
 * entries array instead of once per part: on a 500-line receipt each is a
 * pass over every entry, paid again at every scan. The app's entries arrays
 * come from RecordSource views, made afresh at each change and never
 * mutated, so an array's result never goes stale.
 */
import { receivedByItem, reversalIndex, type Entry, type ReceivedByItem, type ReversalIndex } from '../../../shared/model';

function memoByArray<R>(derive: (entries: readonly Entry[]) => R): (entries: readonly Entry[]) => R {
  const results = new WeakMap<readonly Entry[], R>();
  return (entries) => {
    let result = results.get(entries);
    if (result === undefined) {
      result = derive(entries);
      results.set(entries, result);
    }
    return result;
  };
}

/** `reversalIndex` of `entries`, once per array. */
export const reversalsOf: (entries: readonly Entry[]) => ReversalIndex = memoByArray(reversalIndex);

/** `receivedByItem` of `entries`, once per array (from the same reversal index as `reversalsOf`). */
export const receivedOf: (entries: readonly Entry[]) => ReceivedByItem = memoByArray((entries) => receivedByItem(entries, reversalsOf(entries)));
