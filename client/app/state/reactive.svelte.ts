/**
 * The one bridge from the app's framework-free sources to Svelte: a source
 * with `get()` and `subscribe(listener)` (the sync core's SyncStatus and
 * SyncedDoc, the app's RecordSource, SiteSource, Workspace) read through
 * `createSubscriber`, so components re-render when the source changes and
 * nothing is copied into `$state` by an effect.
 */
import { createSubscriber } from 'svelte/reactivity';

/** Anything with `get()` and `subscribe(listener) → unsubscribe`. */
export interface Source<T> {
  get(): T;
  subscribe(listener: () => void): () => void;
}

/** A reactive view of `source`: read `.current` in a component or `$derived`. */
export class Reactive<T> {
  readonly #source: Source<T>;
  readonly #subscribe: () => void;

  constructor(source: Source<T>) {
    this.#source = source;
    this.#subscribe = createSubscriber((update) => source.subscribe(update));
  }

  get current(): T {
    this.#subscribe();
    return this.#source.get();
  }
}

/** Shorthand for `new Reactive(source)`. */
export function reactive<T>(source: Source<T>): Reactive<T> {
  return new Reactive(source);
}
