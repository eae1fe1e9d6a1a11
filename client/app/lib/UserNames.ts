/**
 * Users' display names as the app shows them, kept on the device. The site
 * document's `users` map is the source, but it may not be loaded yet (a
 * reload renders before IndexedDB hands the site document back) or never
 * reached this device (a phone enrolled offline), so the names last seen are
 * kept in a small cache (`localStorage`) and read first. Names the site
 * document holds win over cached ones, and every change is emitted, so a
 * screen that showed an id shows the name once the document arrives.
 */
import type * as Y from 'yjs';
import { observeSite, readUserNames, SiteRoot } from '../../../shared/model';
import type { KeyValueStore } from './device';
import { Emitter } from './Emitter';

/** What `UserNames` needs. */
export interface UserNamesOptions {
  /** The site document (its `users` map is read). */
  readonly doc: Y.Doc;
  /** Where the cache lives between starts (default `localStorage`). */
  readonly store?: KeyValueStore;
  /** The cache's key, per site (e.g. `tally.names.<site>`). */
  readonly key: string;
  /** The signed-in user, shown as "<name> (you)". */
  readonly self: { readonly id: string; readonly name: string };
}

/** One immutable snapshot of the names: a new object after every change. */
export interface NameBook {
  /** The name people know `user` by, or the id when no name is known. */
  nameOf(user: string): string;
}

/**
 * The cached names merged with the site's: the site's names win, cached names
 * of users the site does not list (yet) stay. Pure; returns `cached` itself
 * when nothing changes, so callers can skip writing the cache.
 */
export function mergeNames(cached: ReadonlyMap<string, string>, site: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  let merged: Map<string, string> | null = null;
  for (const [user, name] of site) {
    if (cached.get(user) === name) continue;
    merged ??= new Map(cached);
    merged.set(user, name);
  }
  return merged ?? cached;
}

/** Reads a cache written by `UserNames`; anything malformed reads as empty. */
export function parseNameCache(text: string | null): Map<string, string> {
  const names = new Map<string, string>();
  if (!text) return names;
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return names;
    for (const [user, name] of Object.entries(value)) if (typeof name === 'string' && name) names.set(user, name);
  } catch {
    // A damaged cache only costs names until the site document loads.
  }
  return names;
}

/** The device's names of users; see the module comment. */
export class UserNames {
  private readonly emitter = new Emitter();
  private readonly store: KeyValueStore;
  private readonly off: () => void;
  private names: ReadonlyMap<string, string>;
  private book: NameBook | null = null;

  constructor(private readonly options: UserNamesOptions) {
    this.store = options.store ?? localStorage;
    this.names = parseNameCache(this.store.getItem(options.key));
    this.refresh();
    this.off = observeSite(options.doc, (changed) => {
      if (changed.has(SiteRoot.users)) this.refresh();
    });
  }

  /** The current names (same object until a name changes). */
  get(): NameBook {
    if (!this.book) {
      const names = this.names;
      const self = this.options.self;
      this.book = { nameOf: (user) => (user === self.id ? `${self.name} (you)` : (names.get(user) ?? user)) };
    }
    return this.book;
  }

  /** Calls `listener` after a name changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** Shorthand for `get().nameOf(user)`. */
  nameOf(user: string): string {
    return this.get().nameOf(user);
  }

  /** Stops watching the site document. */
  destroy(): void {
    this.off();
    this.emitter.clear();
  }

  private refresh(): void {
    const merged = mergeNames(this.names, readUserNames(this.options.doc));
    if (merged === this.names) return;
    this.names = merged;
    this.book = null;
    try {
      this.store.setItem(this.options.key, JSON.stringify(Object.fromEntries(merged)));
    } catch {
      // A full store keeps the names in memory for this session.
    }
    this.emitter.emit();
  }
}
