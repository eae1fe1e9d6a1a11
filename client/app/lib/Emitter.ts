/**
 * The smallest `subscribe(listener) → unsubscribe` implementation, shared by
 * the app's sources. A listener that throws is reported and never stops the others.
 */
export class Emitter {
  private readonly listeners = new Set<() => void>();

  /** Adds `listener`; returns the function that removes it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener. */
  emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        console.warn('[tally app] a listener threw', err);
      }
    }
  }

  /** Number of listeners (tests prove destroy() releases them). */
  get size(): number {
    return this.listeners.size;
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners.clear();
  }
}
