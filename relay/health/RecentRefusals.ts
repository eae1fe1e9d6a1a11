/**
 * The last refusals of changes, in memory for the health page: who (from the
 * authenticated connection), which document, the code and the reason. A
 * ring of fixed size: a flood of refusals costs nothing more than the newest
 * `capacity` of them (they are also logged, and counted in /metrics).
 */
import type { RecentRefusal } from '../../shared/health/siteHealth';

export const RECENT_REFUSALS = 100;

export class RecentRefusals {
  private readonly ring: Array<RecentRefusal | undefined>;
  private next = 0;

  constructor(
    private readonly capacity = RECENT_REFUSALS,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = new Array<RecentRefusal | undefined>(capacity);
  }

  /** Keeps one refusal (the oldest goes once `capacity` are held). */
  record(refusal: Omit<RecentRefusal, 'at'>): void {
    this.ring[this.next % this.capacity] = { at: this.now(), ...refusal, reason: refusal.reason.slice(0, 500), doc: refusal.doc.slice(0, 200) };
    this.next++;
  }

  /** Newest first. */
  list(): RecentRefusal[] {
    const out: RecentRefusal[] = [];
    for (let i = this.next - 1; i >= Math.max(0, this.next - this.capacity); i--) out.push(this.ring[i % this.capacity]!);
    return out;
  }
}
