/**
 * How much of a newest-first list a screen shows. A first screenful, more on
 * scroll, and everything added while the screen is open on top of that: a
 * scan adds its line without pushing the oldest shown one out, since taking
 * a row out of the page costs the scan's frame more than keeping it.
 */

/** What `windowSize` reads. */
export interface ListWindow {
  /** Rows in the list now. */
  count: number;
  /** Rows when the list was first shown with any (0 until then). */
  firstCount: number;
  /** Rows asked for: the first screenful plus what scrolling added. */
  limit: number;
  /** Rows added while open that are kept on top of `limit`, at most. */
  maxGrown: number;
}

/** How many rows to show, from the top; see the module comment. */
export function windowSize({ count, firstCount, limit, maxGrown }: ListWindow): number {
  const grown = firstCount > 0 ? Math.min(maxGrown, Math.max(0, count - firstCount)) : 0;
  return Math.min(count, limit + grown);
}
