/**
 * The current count of every (bin, item) of a count sheet, derived from its
 * log. Two counters who disagree never have one count silently win: the pair
 * is flagged as a discrepancy with every candidate kept.
 *
 * Rules, all over live (not reversed) entries and ordered by `compareEntries`
 * (device time, then seq, then id):
 * - A counter is a user; each counter's latest count is their candidate (a
 *   counter who counts again corrects themselves).
 * - A recount request starts a new round: counts older than the latest request
 *   are history. Until a newer count arrives the pair is `recountRequested`,
 *   with no candidates (a blind recount) and no quantity. A count that
 *   `answers` the request is newer whatever its device clock says.
 * - The pair has a quantity when every candidate of the round agrees, and is a
 *   discrepancy when they do not.
 */
import type { EntryId } from './ids';
import { EntryKind, isKind, type CountEntry, type Entry, type RecountRequestEntry } from './entry';
import { compareEntries, compareStrings, later } from './entryOrder';
import { liveEntries } from './reversals';

/** One counter's latest count of a (bin, item). */
export interface CountCandidate {
  readonly user: string;
  readonly device: string;
  readonly qty: number;
  readonly at: number;
  readonly id: EntryId;
}

/** The derived state of one (bin, item). */
export interface BinItemCount {
  readonly bin: string;
  readonly item: string;
  /** The agreed quantity; null when counters disagree, a recount is pending, or nobody counted. */
  readonly qty: number | null;
  /** True when the candidates of the current round disagree. */
  readonly discrepancy: boolean;
  /** Each counter's latest count in the current round, sorted by user. */
  readonly candidates: readonly CountCandidate[];
  /** True while the latest recount request has no newer count. */
  readonly recountRequested: boolean;
  /** The latest live recount request, if any. */
  readonly recountRequest: RecountRequestEntry | null;
}

interface Pair {
  bin: string;
  item: string;
  counts: CountEntry[];
  request: RecountRequestEntry | null;
}

/** The key of a (bin, item) pair; JSON, so no separator can collide. shared/review keys accepted counts the same way. */
export function binItemKey(bin: string, item: string): string {
  return JSON.stringify([bin, item]);
}

function pairOf(pairs: Map<string, Pair>, bin: string, item: string): Pair {
  const key = binItemKey(bin, item);
  let pair = pairs.get(key);
  if (!pair) {
    pair = { bin, item, counts: [], request: null };
    pairs.set(key, pair);
  }
  return pair;
}

function candidatesOf(counts: readonly CountEntry[]): CountCandidate[] {
  const latest = new Map<string, CountEntry>();
  for (const count of counts) {
    const held = latest.get(count.user);
    latest.set(count.user, held ? later(held, count) : count);
  }
  return [...latest.values()]
    .map(({ user, device, qty, at, id }) => ({ user, device, qty, at, id }))
    .sort((a, b) => compareStrings(a.user, b.user));
}

function derive({ bin, item, counts, request }: Pair): BinItemCount {
  const round = request ? counts.filter((count) => count.answers === request.id || compareEntries(count, request) > 0) : counts;
  const candidates = candidatesOf(round);
  const agreed = candidates.length > 0 && candidates.every((c) => c.qty === candidates[0]?.qty);
  return {
    bin,
    item,
    qty: agreed ? (candidates[0]?.qty ?? null) : null,
    discrepancy: candidates.length > 1 && !agreed,
    candidates,
    recountRequested: request !== null && round.length === 0,
    recountRequest: request,
  };
}

/** The current count of every (bin, item) named by a live count or recount request, sorted by bin, then item. */
export function currentCounts(entries: readonly Entry[]): BinItemCount[] {
  const pairs = new Map<string, Pair>();
  const live = liveEntries(entries);
  for (const count of live.filter(isKind(EntryKind.count))) pairOf(pairs, count.bin, count.item).counts.push(count);
  for (const request of live.filter(isKind(EntryKind.recountRequest))) {
    const pair = pairOf(pairs, request.bin, request.item);
    pair.request = pair.request ? later(pair.request, request) : request;
  }
  return [...pairs.values()]
    .sort((a, b) => compareStrings(a.bin, b.bin) || compareStrings(a.item, b.item))
    .map(derive);
}

/** The (bin, item) pairs whose counters disagree. */
export function discrepancies(entries: readonly Entry[]): BinItemCount[] {
  return currentCounts(entries).filter((count) => count.discrepancy);
}
