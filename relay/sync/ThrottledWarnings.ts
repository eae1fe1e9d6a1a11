/**
 * Warn lines that a flood cannot multiply: at most one per kind per minute,
 * the next one saying how many were left out. One instance per peer.
 */
import type { RelayLog } from '../log';

/** One minute: the most often a kind of warning is logged for one peer. */
export const WARN_INTERVAL_MS = 60_000;

export class ThrottledWarnings<Kind extends string> {
  private readonly lastLogged = new Map<Kind, number>();
  private readonly suppressed = new Map<Kind, number>();

  constructor(
    private readonly log: RelayLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `msg` with `fields` and `kind`, unless `kind` was logged less than a minute ago. */
  warn(kind: Kind, fields: object, msg: string): void {
    const t = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && t - last < WARN_INTERVAL_MS) {
      this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(kind) ?? 0;
    this.suppressed.delete(kind);
    this.lastLogged.set(kind, t);
    this.log.warn({ ...fields, kind, ...(suppressed > 0 ? { suppressed } : {}) }, msg);
  }
}
