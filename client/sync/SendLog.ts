/**
 * The device's send log: its last 1,000 attempts to hand a change to the
 * relay and what became of each (shared/health/sendLog.ts). SyncedDoc reports
 * every attempt and every answer through the small `SendLogSink`; the log
 * keeps them in memory (a ring) and writes what changed to its store in one
 * batch a second, off the sync path: a killed tab loses at most that second of
 * the log, never a change (the log is evidence, not the data).
 */
import { isWaiting, SEND_LOG_CAPACITY, SendResult, summarizeSendLog, type SendAttempt, type SendLogSummary } from '../../shared/health/sendLog';
import { consoleLog, type SyncLog } from './SyncError';

/** What a document tells the log. */
export interface SendLogSink {
  /** Changes up to `changeNo` of `doc` were sent, `bytes` long, the newest made at `changeAt` (null: unknown). */
  sent(doc: string, changeNo: number, bytes: number, changeAt: number | null): void;
  /** The relay acknowledged `doc`'s changes up to `changeNo`. */
  acked(doc: string, changeNo: number): void;
  /** The watchdog gave up waiting for `doc`'s answers. */
  timedOut(doc: string): void;
  /** The relay refused `doc`'s change with `code` and `reason`. */
  refused(doc: string, code: number, reason: string): void;
  /** The connection closed: `doc`'s unanswered attempts will get no answer. */
  disconnected(doc: string): void;
}

/** Where the log is kept between sessions: a ring of slots, attempt `id` in slot `id % capacity`. */
export interface SendLogStore {
  /** Every stored attempt, any order. */
  load(): Promise<SendAttempt[]>;
  /** Writes these attempts into their slots in one batch (replacing what was there). */
  write(attempts: readonly SendAttempt[]): Promise<void>;
  /** Releases the store. */
  close(): void;
}

/** Options of a SendLog. */
export interface SendLogOptions {
  store: SendLogStore;
  /** Attempts kept (default 1,000). */
  capacity?: number;
  /** Changed attempts are written at most this often (default 1 s). */
  flushMs?: number;
  now?: () => number;
  log?: SyncLog;
}

/** See the module comment. */
export class SendLog implements SendLogSink {
  /** Resolves once the stored log has been read (attempts made before are numbered after it). */
  readonly whenLoaded: Promise<void>;
  private readonly store: SendLogStore;
  private readonly capacity: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly log: SyncLog;
  /** The ring: attempt `id` in slot `id % capacity`. */
  private readonly slots: Array<SendAttempt | undefined>;
  /** Attempts still waiting for an answer, per document, oldest first. */
  private readonly waiting = new Map<string, SendAttempt[]>();
  private readonly dirty = new Set<SendAttempt>();
  /** Attempts made before the stored log was read, numbered once it is. */
  private early: SendAttempt[] | null = [];
  private nextId = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(options: SendLogOptions) {
    this.store = options.store;
    this.capacity = options.capacity ?? SEND_LOG_CAPACITY;
    this.flushMs = options.flushMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? consoleLog;
    this.slots = new Array<SendAttempt | undefined>(this.capacity);
    this.whenLoaded = this.load();
  }

  sent(doc: string, changeNo: number, bytes: number, changeAt: number | null): void {
    if (this.destroyed) return;
    // A re-send after a reload does not know when its change was made; an earlier attempt of it may.
    changeAt ??= this.knownChangeAt(doc, changeNo);
    const attempt: SendAttempt = { id: 0, doc, changeNo, bytes, changeAt, sentAt: this.now(), result: SendResult.sent, resultAt: null, timedOutAt: null, code: null, reason: null };
    if (this.early) this.early.push(attempt);
    else this.place(attempt);
    const list = this.waiting.get(doc);
    if (list) list.push(attempt);
    else this.waiting.set(doc, [attempt]);
  }

  acked(doc: string, changeNo: number): void {
    const list = this.waiting.get(doc);
    if (!list) return;
    const at = this.now();
    const remaining = list.filter((a) => {
      if (a.changeNo > changeNo) return true;
      this.settle(a, { result: SendResult.acked, resultAt: at });
      return false;
    });
    this.keepWaiting(doc, remaining);
  }

  timedOut(doc: string): void {
    const at = this.now();
    for (const a of this.waiting.get(doc) ?? []) {
      if (a.result === SendResult.sent) this.settle(a, { result: SendResult.timedOut, resultAt: at, timedOutAt: at });
    }
  }

  refused(doc: string, code: number, reason: string): void {
    this.end(doc, { result: SendResult.refused, code, reason: reason.slice(0, 500) });
  }

  disconnected(doc: string): void {
    this.end(doc, { result: SendResult.disconnected });
  }

  /** Every attempt held, oldest first (copies). */
  entries(): SendAttempt[] {
    const held = this.slots.filter((a): a is SendAttempt => a !== undefined).sort((a, b) => a.id - b.id);
    return [...held, ...(this.early ?? [])].map((a) => ({ ...a }));
  }

  /** The summary reported with the heartbeat. */
  summary(): SendLogSummary {
    return summarizeSendLog(this.entries(), this.now());
  }

  /** Writes every changed attempt now; resolves once the store has them. */
  flush(): Promise<void> {
    this.clearTimer();
    if (this.dirty.size > 0 && !this.early) {
      const batch = [...this.dirty].map((a) => ({ ...a }));
      this.dirty.clear();
      this.writing = this.writing.then(() => this.store.write(batch)).catch((err: unknown) => this.log.warn('the send log could not be written', err));
    }
    return this.writing;
  }

  /** Writes what is left, then releases the store and the timer. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await this.whenLoaded;
    this.destroyed = true;
    await this.flush();
    this.store.close();
  }

  /** True while a write is scheduled (tests check destroy leaves none). */
  get hasTimer(): boolean {
    return this.timer !== null;
  }

  private async load(): Promise<void> {
    let stored: SendAttempt[] = [];
    try {
      stored = await this.store.load();
    } catch (err) {
      this.log.warn('the send log could not be read; starting a new one', err);
    }
    stored.sort((a, b) => a.id - b.id);
    // The newest `capacity` only, whatever a damaged store held.
    for (const a of stored.slice(-this.capacity)) this.slots[a.id % this.capacity] = a;
    this.nextId = stored.length > 0 ? stored[stored.length - 1]!.id + 1 : 0;
    const early = this.early ?? [];
    this.early = null;
    for (const a of early) this.place(a);
  }

  /** When change `changeNo` of `doc` was made, as an earlier attempt carrying it recorded (null: none did). */
  private knownChangeAt(doc: string, changeNo: number): number | null {
    for (const a of [...(this.early ?? []), ...this.slots]) {
      if (a?.doc === doc && a.changeNo === changeNo && a.changeAt !== null) return a.changeAt;
    }
    return null;
  }

  /** Numbers `attempt` and puts it in its slot, pushing out the attempt it replaces. */
  private place(attempt: SendAttempt): void {
    attempt.id = this.nextId++;
    const slot = attempt.id % this.capacity;
    const old = this.slots[slot];
    if (old && isWaiting(old)) this.keepWaiting(old.doc, (this.waiting.get(old.doc) ?? []).filter((a) => a !== old));
    if (old) this.dirty.delete(old);
    this.slots[slot] = attempt;
    this.touch(attempt);
  }

  /** Gives every waiting attempt of `doc` its final result. */
  private end(doc: string, patch: Partial<SendAttempt>): void {
    const at = this.now();
    for (const a of this.waiting.get(doc) ?? []) this.settle(a, { resultAt: at, ...patch });
    this.waiting.delete(doc);
  }

  private settle(attempt: SendAttempt, patch: Partial<SendAttempt>): void {
    Object.assign(attempt, patch);
    this.touch(attempt);
  }

  private keepWaiting(doc: string, list: SendAttempt[]): void {
    if (list.length > 0) this.waiting.set(doc, list);
    else this.waiting.delete(doc);
  }

  /** Marks `attempt` for the next batch write. */
  private touch(attempt: SendAttempt): void {
    if (this.destroyed || this.early) return;
    this.dirty.add(attempt);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A send log store in memory (Node, tests): nothing survives the process, unless the same store is reused. */
export class MemorySendLogStore implements SendLogStore {
  readonly slots = new Map<number, SendAttempt>();
  /** Batches written, for tests. */
  writes = 0;
  constructor(private readonly capacity = SEND_LOG_CAPACITY) {}
  async load(): Promise<SendAttempt[]> {
    return [...this.slots.values()].map((a) => ({ ...a }));
  }
  async write(attempts: readonly SendAttempt[]): Promise<void> {
    this.writes++;
    for (const a of attempts) this.slots.set(a.id % this.capacity, { ...a });
  }
  close(): void {}
}
