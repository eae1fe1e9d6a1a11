/**
 * An admin pulling a device's send log: the relay sends `sendLogRequest` on
 * every `/mux` socket of that device and waits for the first `sendLog` answer
 * carrying the same request id from a socket of the same device (user and
 * device from the authenticated connection, never from the answer), read
 * field by field (shared/health/sendLog.ts). Pulls are few and bounded: at
 * most `maxWaiting` at once, each given up after `timeoutMs`.
 */
import type { PulledSendLog } from '../../shared/health/siteHealth';
import { ClaimError } from '../../shared/health/claims';
import { readSendLog } from '../../shared/health/sendLog';
import type { Principal } from '../net/Principal';

/** A socket that can be asked for its device's send log. */
export interface SendLogSource {
  readonly principal: Principal;
  requestSendLog(requestId: number): void;
}

/** What became of a pull. */
export type PullResult =
  | { kind: 'pulled'; log: PulledSendLog }
  | { kind: 'notConnected' }
  | { kind: 'busy' }
  | { kind: 'timedOut' }
  | { kind: 'malformed'; reason: string };

interface Waiting {
  device: string;
  resolve: (result: PullResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface SendLogPullsOptions {
  /** How long a device has to answer (default 15 s). */
  timeoutMs?: number;
  /** Pulls waiting at once (default 4); more are refused as busy. */
  maxWaiting?: number;
  now?: () => number;
}

export class SendLogPulls {
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly maxWaiting: number;
  private readonly now: () => number;

  constructor(options: SendLogPullsOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxWaiting = options.maxWaiting ?? 4;
    this.now = options.now ?? Date.now;
  }

  /** Asks `sources` (the sockets of `device`) for its log. */
  pull(device: string, sources: readonly SendLogSource[]): Promise<PullResult> {
    if (sources.length === 0) return Promise.resolve({ kind: 'notConnected' });
    if (this.waiting.size >= this.maxWaiting) return Promise.resolve({ kind: 'busy' });
    const requestId = this.nextId++;
    return new Promise<PullResult>((resolve) => {
      const timer = setTimeout(() => this.finish(requestId, { kind: 'timedOut' }), this.timeoutMs);
      this.waiting.set(requestId, { device, resolve, timer });
      for (const source of sources) source.requestSendLog(requestId);
    });
  }

  /**
   * A `sendLog` answer from `from`. Returns the reason when the answer is
   * malformed (the socket is then closed); an answer nobody waits for (late,
   * or from another device) is ignored.
   */
  answered(from: Principal, requestId: number, json: string): string | null {
    const waiting = this.waiting.get(requestId);
    if (!waiting || waiting.device !== from.device) return null;
    try {
      const attempts = readSendLog(json).sort((a, b) => a.id - b.id);
      this.finish(requestId, { kind: 'pulled', log: { device: waiting.device, user: from.user, receivedAt: this.now(), attempts } });
      return null;
    } catch (err) {
      const reason = err instanceof ClaimError ? err.message : String(err);
      this.finish(requestId, { kind: 'malformed', reason });
      return reason;
    }
  }

  /** Gives up every pull (the relay is stopping). */
  destroy(): void {
    for (const id of [...this.waiting.keys()]) this.finish(id, { kind: 'notConnected' });
  }

  private finish(requestId: number, result: PullResult): void {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return;
    this.waiting.delete(requestId);
    clearTimeout(waiting.timer);
    waiting.resolve(result);
  }
}
