/**
 * The clock behind "stuck": it runs while a document has changes the relay
 * has not acknowledged and the device is connected, restarts whenever the
 * relay makes progress, and fires once when the relay has been silent too long.
 * The most common way offline apps lose work in the field is a queue that
 * silently stops; this turns that into a visible state.
 */
export class AckWatchdog {
  private since: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param timeoutMs how long the relay may stay silent about pending changes
   * @param onExpire called once per silent period, when `timeoutMs` has passed
   * @param now the clock
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the clock unless it already runs (pending work was sent, or re-sent after connecting). */
  arm(): void {
    if (this.since !== null) return;
    this.restart();
  }

  /** The relay acknowledged something but work is still pending: the silence starts again now. */
  progress(): void {
    this.restart();
  }

  /** Nothing is pending, or the device is offline: stop the clock. */
  disarm(): void {
    this.since = null;
    this.clearTimer();
  }

  /** Since when the relay has been silent about pending work (null while not armed). */
  get waitingSince(): number | null {
    return this.since;
  }

  /** True while a timer is set (tests check destroy leaves none). */
  get hasTimer(): boolean {
    return this.timer !== null;
  }

  private restart(): void {
    this.clearTimer();
    this.since = this.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onExpire();
    }, this.timeoutMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
