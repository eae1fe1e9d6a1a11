/**
 * Coalesces acknowledgements: when a fsync batch completes it may resolve
 * hundreds of writes at once; each (connection, document) then gets one
 * message carrying the newest acknowledged value, sent on the next tick.
 */
export class DurableAckBatcher<V> {
  private readonly ready = new Map<string, V>();
  /** Bumped by `forget`: acks queued under an older generation are dropped. */
  private readonly generations = new Map<string, number>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly send: (doc: string, value: V) => void,
    private readonly newer: (a: V, b: V) => boolean,
  ) {}

  /** Sends `value` for `doc` once `durable` resolves (unless a newer value goes first). */
  after(durable: Promise<void>, doc: string, value: V): void {
    const generation = this.generations.get(doc) ?? 0;
    durable.then(
      () => {
        if ((this.generations.get(doc) ?? 0) === generation) this.ready_(doc, value);
      },
      () => {
        // The write failed for good (store closed): nothing is acknowledged.
      },
    );
  }

  /** Drops every ack not yet sent for `doc` (the client closed it; a reopened copy counts anew). */
  forget(doc: string): void {
    this.generations.set(doc, (this.generations.get(doc) ?? 0) + 1);
    this.ready.delete(doc);
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
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      const entries = Array.from(this.ready);
      this.ready.clear();
      for (const [d, v] of entries) this.send(d, v);
    });
  }
}
