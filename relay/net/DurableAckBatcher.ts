/**
 * Coalesces acknowledgements: when a fsync batch completes it may resolve
 * hundreds of writes at once; each (connection, document) then gets one
 * message carrying the newest acknowledged value, sent as soon as that burst
 * of resolutions is over (`process.nextTick` runs after the promise jobs
 * queued with it), in the same turn of the loop. Waiting for the next turn
 * (setImmediate) made every ack wait behind all the reads the loop had
 * pending: the bench's `ack` stage.
 */
import type { StageTimings } from '../diag/StageTimings';

export class DurableAckBatcher<V> {
  private readonly ready = new Map<string, V>();
  /**
   * Documents with acks waiting for their write: how many, and the generation they were queued
   * under (bumped by `forget`: acks of an older one are dropped). A document leaves once none
   * waits, so a connection that opens and closes thousands of records keeps no trace of them.
   */
  private readonly inFlight = new Map<string, { generation: number; waiting: number }>();
  private scheduled = false;
  private stopped = false;

  /** performance.now() when the first ack waiting to be sent became ready (diagnostics on). */
  private readySince = 0;

  constructor(
    private readonly send: (doc: string, value: V) => void,
    private readonly newer: (a: V, b: V) => boolean,
    /** Where the wait from durable to sent goes (diagnostics on). */
    private readonly stages?: StageTimings,
  ) {}

  /**
   * Sends `value` for `doc` once `durable` resolves (unless a newer value
   * goes first); `alsoThen` runs at that moment too, whether or not the ack
   * is still wanted.
   */
  after(durable: Promise<void>, doc: string, value: V, alsoThen?: () => void): void {
    let entry = this.inFlight.get(doc);
    if (!entry) this.inFlight.set(doc, (entry = { generation: 0, waiting: 0 }));
    const queued = entry;
    const generation = queued.generation;
    queued.waiting += 1;
    const settled = (): boolean => {
      queued.waiting -= 1;
      if (queued.waiting === 0 && this.inFlight.get(doc) === queued) this.inFlight.delete(doc);
      return queued.generation === generation;
    };
    durable.then(
      () => {
        alsoThen?.();
        if (settled()) this.ready_(doc, value);
      },
      () => {
        // The write failed for good (store closed): nothing is acknowledged.
        settled();
      },
    );
  }

  /** Drops every ack not yet sent for `doc` (the client closed it; a reopened copy counts anew). */
  forget(doc: string): void {
    const entry = this.inFlight.get(doc);
    if (entry) entry.generation += 1;
    this.ready.delete(doc);
  }

  /** Documents with acks still waiting for their write (tests check that none is kept after). */
  get documentsWaiting(): number {
    return this.inFlight.size;
  }

  /** Stops sending (the connection closed). */
  stop(): void {
    this.stopped = true;
    this.ready.clear();
  }

  private ready_(doc: string, value: V): void {
    if (this.stopped) return;
    const previous = this.ready.get(doc);
    if (previous === undefined || this.newer(value, previous)) this.ready.set(doc, value);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.stages) this.readySince = performance.now();
    process.nextTick(() => {
      this.scheduled = false;
      if (this.stopped) return;
      this.stages?.record('ack', performance.now() - this.readySince);
      const entries = Array.from(this.ready);
      this.ready.clear();
      for (const [d, v] of entries) this.send(d, v);
    });
  }
}
