/**
 * A set of change listeners behind the `subscribe(cb) → unsubscribe` shape
 * that Svelte's `createSubscriber` (and any other UI layer) can wrap.
 */
export class Listeners {
  private readonly set = new Set<() => void>();

  /** Adds `listener`; the returned function removes it again. */
  add(listener: () => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** Calls every listener; one listener throwing does not stop the others or the caller. */
  notify(onError: (err: unknown) => void): void {
    for (const listener of [...this.set]) {
      try {
        listener();
      } catch (err) {
        onError(err);
      }
    }
  }

  /** Number of listeners (tests use it to prove nothing is left behind). */
  get size(): number {
    return this.set.size;
  }

  /** Removes every listener. */
  clear(): void {
    this.set.clear();
  }
}
