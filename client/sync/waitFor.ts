/**
 * Waiting on a subscribable source without polling or fixed sleeps: resolve
 * as soon as a predicate holds, or give up after a deadline.
 */

/** Anything with the sync core's `subscribe(cb) → unsubscribe` and `get()` shape. */
export interface Subscribable<T> {
  get(): T;
  subscribe(listener: () => void): () => void;
}

/**
 * Resolves with true as soon as `predicate(source.get())` holds (checked now
 * and after every change), or with false once `timeoutMs` has passed.
 * Leaves no listener or timer behind either way.
 */
export function waitFor<T>(source: Subscribable<T>, predicate: (value: T) => boolean, timeoutMs: number): Promise<boolean> {
  if (predicate(source.get())) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (result: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(result);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    const unsubscribe = source.subscribe(() => {
      if (predicate(source.get())) finish(true);
    });
  });
}
