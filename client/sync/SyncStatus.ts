/**
 * The device-wide sync state a crew sees in the status bar and on the sync
 * screen: connection, pending work over every open document, stuck documents
 * and the last error. Svelte reads it through `createSubscriber(status.subscribe)`
 * and `status.get()`.
 */
import { Listeners } from './Listeners';
import type { ConnectionSnapshot, ConnectionState, MuxConnection } from './MuxConnection';
import { consoleLog, type SyncError, type SyncLog } from './SyncError';
import type { DocSyncState, SyncedDoc } from './SyncedDoc';

/** The aggregate over the connection and every open document. A new object after every change. */
export interface SyncStatusSnapshot {
  /** True only while the socket to the relay is open. */
  online: boolean;
  connection: ConnectionState;
  /** Last time the relay was heard from (ms since epoch). */
  lastContactAt: number | null;
  /** When the next reconnect attempt is due, while offline. */
  nextRetryAt: number | null;
  /** The relay's storage health as it last reported it. */
  relayStorage: ConnectionSnapshot['relayStorage'];
  openDocs: number;
  /** Local changes not yet acknowledged by the relay, over all open documents, plus one per state still offered (StateOffers). */
  pendingTotal: number;
  /** Names of open documents with unacknowledged changes. */
  docsWithPending: string[];
  /** Names of open documents whose device copy is not (yet) fully saved. */
  notSavedOnDevice: string[];
  /** Documents the watchdog or a refusal marked stuck, with the reason. */
  stuckDocs: Array<{ doc: string; reason: string }>;
  /** The most recent error from the connection or any open document. */
  lastError: SyncError | null;
  /** Every open document is acknowledged by the relay. */
  allOnRelay: boolean;
}

/** Aggregates sync state; see the module comment. */
export class SyncStatus {
  private readonly listeners = new Listeners();
  private readonly docs = new Map<SyncedDoc, () => void>();
  private readonly unsubscribeConnection: () => void;
  private snapshot: SyncStatusSnapshot | null = null;
  /** States offered to the relay and not yet settled (see StateOffers), each counted as one pending change. */
  private offers: { readonly pending: string[]; subscribe(listener: () => void): () => void } | null = null;
  private unsubscribeOffers: (() => void) | null = null;

  constructor(
    private readonly connection: MuxConnection,
    private readonly log: SyncLog = consoleLog,
  ) {
    this.unsubscribeConnection = connection.subscribe(() => this.changed());
  }

  /** The current aggregate (computed lazily, cached until something changes). */
  get(): SyncStatusSnapshot {
    this.snapshot ??= this.compute();
    return this.snapshot;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /** Includes `doc` in the aggregate until `untrack`. */
  track(doc: SyncedDoc): void {
    if (this.docs.has(doc)) return;
    this.docs.set(doc, doc.subscribe(() => this.changed()));
    this.changed();
  }

  /** Includes the pending offers (StateOffers) in the aggregate. */
  trackOffers(offers: { readonly pending: string[]; subscribe(listener: () => void): () => void }): void {
    this.unsubscribeOffers?.();
    this.offers = offers;
    this.unsubscribeOffers = offers.subscribe(() => this.changed());
    this.changed();
  }

  /** Removes `doc` from the aggregate. */
  untrack(doc: SyncedDoc): void {
    const unsubscribe = this.docs.get(doc);
    if (!unsubscribe) return;
    unsubscribe();
    this.docs.delete(doc);
    this.changed();
  }

  /** Unsubscribes from everything and drops all listeners. */
  destroy(): void {
    this.unsubscribeConnection();
    this.unsubscribeOffers?.();
    this.unsubscribeOffers = null;
    for (const unsubscribe of this.docs.values()) unsubscribe();
    this.docs.clear();
    this.listeners.clear();
  }

  /** Listener count, for tests that prove destroy() releases everything. */
  debugCounts(): { listeners: number; docs: number } {
    return { listeners: this.listeners.size, docs: this.docs.size };
  }

  private changed(): void {
    this.snapshot = null;
    this.listeners.notify((err) => this.log.warn('a sync status listener threw', err));
  }

  private compute(): SyncStatusSnapshot {
    const connection = this.connection.get();
    const states: DocSyncState[] = [...this.docs.keys()].map((doc) => doc.get());
    const errors = [connection.lastError, ...states.map((s) => s.lastError)].filter((e): e is SyncError => e !== null);
    errors.sort((a, b) => b.at - a.at);
    const open = new Set(states.map((s) => s.doc));
    const offered = (this.offers?.pending ?? []).filter((doc) => !open.has(doc));
    return {
      online: connection.online,
      connection: connection.state,
      lastContactAt: connection.lastContactAt,
      nextRetryAt: connection.nextRetryAt,
      relayStorage: connection.relayStorage,
      openDocs: states.length,
      pendingTotal: states.reduce((sum, s) => sum + s.pending, 0) + offered.length,
      docsWithPending: [...states.filter((s) => s.pending > 0).map((s) => s.doc), ...offered],
      notSavedOnDevice: states.filter((s) => !s.savedOnDevice).map((s) => s.doc),
      stuckDocs: states.filter((s) => s.stuck).map((s) => ({ doc: s.doc, reason: s.stuckReason ?? 'stuck' })),
      lastError: errors[0] ?? null,
      allOnRelay: states.every((s) => s.onRelay) && offered.length === 0,
    };
  }
}
