/**
 * One Tally tab per device. Two tabs of one browser share the device id and
 * its entry sequence (localStorage), but not a transaction: both could hand
 * out the same sequence number, and two entries with one id count as one
 * line. So a tab works only while it holds a Web Lock; a second tab waits
 * and may take over, and the first then stops. Without the Web Locks API
 * (plain http on a LAN address) every tab proceeds.
 */

/** What a tab learns when it asks for the lock. */
export type TabLockResult = 'held' | 'busy';

export class TabLock {
  private release: (() => void) | null = null;
  /** A request begun before the app loaded (see `begin`), waiting for `acquire` to claim it. */
  private early: { result: Promise<TabLockResult>; claim: (onLost: () => void) => void } | null = null;

  constructor(
    private readonly name = 'tally-device',
    private readonly locks: LockManager | undefined = typeof navigator === 'undefined' ? undefined : navigator.locks,
  ) {}

  /**
   * Asks for the lock now, before the app's code has loaded, so the answer is
   * there when the app asks (`acquire` claims this request instead of making
   * another).
   */
  begin(waitMs = 2000): void {
    if (!this.locks || this.early) return;
    let onLost: (() => void) | null = null;
    let lostUnclaimed = false;
    const result = this.request(false, waitMs, () => (onLost ? onLost() : (lostUnclaimed = true)));
    this.early = {
      result,
      claim: (callback) => {
        onLost = callback;
        if (lostUnclaimed) callback();
      },
    };
  }

  /**
   * Takes the lock (or, with `steal`, takes it from the tab that holds it).
   * A tab being reloaded lets go of the lock as its page unloads, so this
   * waits up to `waitMs` before answering `busy`. `onLost` is called if
   * another tab takes the lock over later.
   */
  acquire(onLost: () => void, steal = false, waitMs = 2000): Promise<TabLockResult> {
    const early = this.early;
    this.early = null;
    if (early && !steal) {
      early.claim(onLost);
      return early.result;
    }
    return this.request(steal, waitMs, onLost);
  }

  /** Lets another tab have the lock. */
  releaseLock(): void {
    this.release?.();
    this.release = null;
  }

  private request(steal: boolean, waitMs: number, onLost: () => void): Promise<TabLockResult> {
    const locks = this.locks;
    if (!locks) return Promise.resolve('held');
    performance.mark('tally:tab-lock-asked');
    return new Promise((resolve) => {
      let granted = false;
      const hold = (): Promise<void> => {
        granted = true;
        resolve('held');
        return new Promise<void>((done) => (this.release = done));
      };
      const options: LockOptions = steal ? { steal: true } : { signal: AbortSignal.timeout(waitMs) };
      locks.request(this.name, options, hold).catch(() => {
        this.release = null;
        // Before the grant: the wait timed out (another tab has Tally). After it: another tab took over.
        if (granted) onLost();
        else resolve('busy');
      });
    });
  }
}
