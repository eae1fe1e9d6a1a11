/**
 * How many refused writes one user may make per minute, over all their
 * connections (PerUserLimits hands each connection its user's budget). A
 * refused update can cost the relay a reload of the document from disk (Yjs
 * cannot take integrated items back), so a client that keeps sending
 * forbidden writes is disconnected instead of being answered forever, and
 * opening more sockets buys it nothing. Honest clients are not refused at
 * all, so the budget only meets broken or hostile ones.
 */
const WINDOW_MS = 60_000;

export class RefusalBudget {
  private readonly times: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one refusal; false once more than `perMinute` fall within the last minute. */
  spend(): boolean {
    const t = this.now();
    while (this.times.length > 0 && t - this.times[0]! >= WINDOW_MS) this.times.shift();
    this.times.push(t);
    return this.times.length <= this.perMinute;
  }
}
