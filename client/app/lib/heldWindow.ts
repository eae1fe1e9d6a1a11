/**
 * Which held records a device lets go of, so its storage stays bounded as a
 * site's records accumulate: a record held only for reading whose creation
 * and last change are both older than the working window (the 30 days a shift
 * start fetches). A record open on screen or holding work (a working copy)
 * is never let go; a record let go is fetched again when someone opens it.
 */
import type { RecordSummary } from '../../../shared/summary/recordSummary';

/** What `recordsToForget` needs to decide. */
export interface HeldWindow {
  readonly now: number;
  /** How far back records are held (ms). */
  readonly windowMs: number;
  /** Records open as documents or with a working copy: kept whatever their age. */
  readonly inUse: ReadonlySet<string>;
}

/** The ids of the held records to forget; see the module comment. */
export function recordsToForget(summaries: Iterable<RecordSummary>, window: HeldWindow): string[] {
  const since = window.now - window.windowMs;
  const out: string[] = [];
  for (const s of summaries) {
    if (window.inUse.has(s.id) || s.pending > 0) continue;
    if (s.createdAt < since && s.lastChangeAt < since) out.push(s.id);
  }
  return out;
}
