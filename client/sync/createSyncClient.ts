/**
 * The Tally sync client: the composition root of the device side. One mux
 * connection, one SyncedDoc per open document, one SyncStatus over them all.
 * The Svelte app creates one per device session; tests create many.
 */
import * as Y from 'yjs';
import { isDocName } from '../../shared/protocol/docNames';
import { ChangeWatcher } from './ChangeWatcher';
import type { BackoffOptions } from './backoff';
import type { DocPersistenceFactory } from './DocPersistence';
import { indexeddbPersistence } from './IndexeddbDocPersistence';
import { MuxConnection, type WebSocketConstructor } from './MuxConnection';
import { consoleLog, type SyncError, type SyncLog } from './SyncError';
import { DeviceReporter } from './DeviceReporter';
import { IndexeddbSendLogStore, sendLogDbName } from './IndexeddbSendLogStore';
import { MemorySendLogStore, SendLog, type SendLogStore } from './SendLog';
import { SyncedDoc } from './SyncedDoc';
import { deferredPersistence } from './deferredPersistence';
import { StatesFetcher, type FetchStatesRequest, type FetchStatesResult } from './StatesFetcher';
import { StateOffers, type OfferOutcome } from './StateOffers';
import type { UnloadRescue } from './UnloadRescue';
import { SyncStatus } from './SyncStatus';
import { waitFor } from './waitFor';

/** Options of `createSyncClient`. */
export interface SyncClientOptions {
  /** The relay's address, e.g. `http://10.0.0.5:8787` (the `/mux` path is added). */
  url: string;
  /** The user's token, sent as the `token` query parameter. */
  token?: string;
  /** This device's id, sent as the `device` query parameter. */
  device?: string;
  /** Defaults to `globalThis.WebSocket`; Node passes `ws`'s class. */
  WebSocketImpl?: WebSocketConstructor;
  /** Device storage: IndexedDB (default in browsers), none (memory only), or a factory (tests). */
  persistence?: 'indexeddb' | 'none' | DocPersistenceFactory;
  /**
   * Device storage of documents is opened only once this settles (the app's
   * first screen is on show; see deferredPersistence.ts). Default: at once.
   */
  storageAfter?: Promise<unknown>;
  /** Unacknowledged changes this long while connected mark a document stuck (default 30 s). */
  watchdogMs?: number;
  /**
   * Where the device's send log is kept: IndexedDB `tally-send-log:<device>`
   * (the default with IndexedDB persistence), memory (the default otherwise), or a store (tests).
   */
  sendLog?: 'indexeddb' | 'memory' | SendLogStore;
  /** A heartbeat (pending work, sync state, send-log summary) at least this often while connected (default 20 s). */
  heartbeatMs?: number;
  /** Reconnect delays (default 0.5 s growing to 30 s, with jitter). */
  backoff?: BackoffOptions;
  /** A socket not open after this long is retried (default 10 s). */
  connectTimeoutMs?: number;
  /** An open socket silent this long is treated as dead and replaced (default 75 s: 2.5x the relay's 30 s heartbeat). */
  staleAfterMs?: number;
  /** Connect at once (default true). */
  autoConnect?: boolean;
  /** More query parameters of the `/mux` URL, asked for at every connect (see MuxConnectionOptions). */
  query?: () => Record<string, string>;
  log?: SyncLog;
  now?: () => number;
  /** When documents store and send their local changes (SyncedDocOptions.scheduleLocalWrites; default at once). */
  scheduleLocalWrites?: (write: () => void) => void;
  /** Where open documents keep what their device copy lacks as the page leaves (`keepUnsaved`; UnloadRescue). */
  rescue?: UnloadRescue;
}

/** What a shift-handover check learns: everything acknowledged, or exactly what is not. */
export interface FlushReport {
  /** Every open document is on the relay. */
  ok: boolean;
  online: boolean;
  elapsedMs: number;
  /** The most recent error of the connection or any document (why the relay may be out of reach). */
  lastError: SyncError | null;
  /** Documents with work the relay has not acknowledged, and why (empty when ok). */
  remaining: Array<{ doc: string; pending: number; savedOnDevice: boolean; stuckReason: string | null; lastError: SyncError | null }>;
}

/** The device's sync client; see `createSyncClient`. */
export interface SyncClient {
  readonly connection: MuxConnection;
  /** Aggregate state for the UI (`subscribe`/`get`). */
  readonly status: SyncStatus;
  /** The device's last 1,000 attempts to send a change and what became of each. */
  readonly sendLog: SendLog;
  /** Opens `docName` (or returns it if already open): loads it from device storage and syncs it. */
  open(docName: string): SyncedDoc;
  /** The open document `docName`, if any. */
  get(docName: string): SyncedDoc | undefined;
  /**
   * The page is being hidden or leaving: every open document whose device
   * copy is not saved yet keeps its state in `rescue` for its next load.
   */
  keepUnsaved(): void;
  /** Stops syncing `docName` and releases it; its device copy stays. */
  close(docName: string): Promise<void>;
  /**
   * Stops syncing `docName` and deletes its device copy: a later `open` starts
   * from nothing (a new Y.Doc, hence a new Yjs client id) and takes the
   * relay's copy. For a document whose change the relay refused; whatever
   * must be kept has to be saved elsewhere first.
   */
  discard(docName: string): Promise<void>;
  /**
   * Shift handover: pushes everything (reconnecting at once if offline) and
   * resolves when every open document is acknowledged, or after `timeoutMs`
   * with the documents still pending.
   */
  flushAndWait(timeoutMs: number): Promise<FlushReport>;
  /**
   * Fetches many records' state in one streamed exchange: for each of
   * `docs`, what its state vector lacks of what the relay holds durably.
   * Batches of many records reach `onBatch` in order, each awaited before the
   * next. `complete: false` when the socket was not open, dropped, or
   * `signal` aborted: call again with the state vectors the device then holds
   * to get only the rest. Opens no document.
   */
  fetchStates(request: FetchStatesRequest): Promise<FetchStatesResult>;
  /**
   * Calls `onChanged` with the names among `docs` that got a durable change
   * on the relay (batched, at most about twice a second), without opening
   * them; the device then `fetchStates` what it lacks. Kept across
   * reconnects; the returned function stops watching.
   */
  watchChanges(docs: readonly string[], onChanged: (names: string[]) => void): () => void;
  /**
   * Offers the relay a document's state this device holds outside any open
   * document (the app's record store), e.g. because the acks that made it "on
   * the relay" came from a store since restored (StateOffers.ts). `load` reads
   * the state when its turn comes. Counted as pending work until the relay
   * lacks nothing of it; resolves then, or with why the relay did not take it.
   */
  offer(docName: string, load: () => Promise<Uint8Array | null>): Promise<OfferOutcome>;
  /** Closes every document and the socket; removes every listener and timer. */
  destroy(): Promise<void>;
}

/** Creates the sync client of one device; see the module comment. */
export function createSyncClient(options: SyncClientOptions): SyncClient {
  const now = options.now ?? Date.now;
  const stored = resolvePersistence(options.persistence ?? 'indexeddb');
  const persistence = stored && options.storageAfter ? deferredPersistence(options.storageAfter, stored) : stored;
  const watchdogMs = options.watchdogMs ?? 30_000;
  const connection = new MuxConnection({
    url: options.url,
    ...(options.token !== undefined && { token: options.token }),
    ...(options.device !== undefined && { device: options.device }),
    ...(options.WebSocketImpl && { WebSocketImpl: options.WebSocketImpl }),
    ...(options.backoff && { backoff: options.backoff }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.staleAfterMs !== undefined && { staleAfterMs: options.staleAfterMs }),
    ...(options.autoConnect !== undefined && { autoConnect: options.autoConnect }),
    ...(options.query && { query: options.query }),
    ...(options.log && { log: options.log }),
    now,
  });
  const status = new SyncStatus(connection, options.log);
  const sendLog = new SendLog({ store: resolveSendLogStore(options), now, ...(options.log && { log: options.log }) });
  const reporter = new DeviceReporter({ connection, status, sendLog, now, ...(options.heartbeatMs !== undefined && { intervalMs: options.heartbeatMs }) });
  const docs = new Map<string, SyncedDoc>();
  const fetcher = new StatesFetcher(connection);
  const watcher = new ChangeWatcher(connection, options.log ?? consoleLog);
  const offers = new StateOffers({
    connection,
    openBare: (name) => new SyncedDoc({ name, connection, persistence: null, watchdogMs, now, ...(options.log && { log: options.log }) }),
    openDocs: () => docs.values(),
    watchOpenDocs: (listener) => status.subscribe(listener),
    log: options.log ?? consoleLog,
  });
  status.trackOffers(offers);
  // The OS noticing the network is back is a hint to skip the backoff wait, never proof of the relay.
  const onNetworkBack = () => connection.reconnectNow();
  const events = typeof window !== 'undefined' ? window : null;
  events?.addEventListener('online', onNetworkBack);

  const client: SyncClient = {
    connection,
    status,
    sendLog,
    open(docName) {
      const existing = docs.get(docName);
      if (existing) return existing;
      if (!isDocName(docName)) throw new Error(`invalid document name: ${JSON.stringify(docName.slice(0, 60))}`);
      offers.yieldTo(docName);
      const doc = new SyncedDoc({
        name: docName,
        connection,
        persistence,
        watchdogMs,
        sendLog,
        now,
        ...(options.scheduleLocalWrites && { scheduleLocalWrites: options.scheduleLocalWrites }),
        ...(options.rescue && { rescue: options.rescue }),
        ...(options.log && { log: options.log }),
      });
      docs.set(docName, doc);
      status.track(doc);
      return doc;
    },
    get: (docName) => docs.get(docName),
    keepUnsaved() {
      for (const doc of docs.values()) doc.keepUnsaved();
    },
    async close(docName) {
      const doc = docs.get(docName);
      if (!doc) return;
      docs.delete(docName);
      status.untrack(doc);
      await doc.destroy();
      offers.next();
    },
    async discard(docName) {
      const doc = docs.get(docName);
      if (!doc) {
        options.rescue?.forget(docName);
        return discardClosed(persistence, docName);
      }
      docs.delete(docName);
      status.untrack(doc);
      // Loaded first, so the storage is open and its deletion cannot race the initial read.
      await doc.whenLoaded;
      await doc.destroy({ deleteDeviceCopy: true });
      offers.next();
    },
    async flushAndWait(timeoutMs) {
      const started = now();
      if (!connection.online) connection.reconnectNow();
      await waitFor(status, (s) => s.allOnRelay, timeoutMs);
      return flushReport(docs, offers, status, now() - started);
    },
    fetchStates: (request) => fetcher.fetch(request),
    watchChanges: (names, onChanged) => watcher.watch(names, onChanged),
    offer: (docName, load) => offers.offer(docName, load),
    async destroy() {
      events?.removeEventListener('online', onNetworkBack);
      watcher.destroy();
      reporter.destroy();
      offers.destroy();
      await Promise.all([...docs.keys()].map((name) => client.close(name)));
      await sendLog.destroy();
      status.destroy();
      connection.destroy();
    },
  };
  return client;
}

function resolveSendLogStore(options: SyncClientOptions): SendLogStore {
  const choice = options.sendLog ?? ((options.persistence ?? 'indexeddb') === 'indexeddb' ? 'indexeddb' : 'memory');
  if (choice === 'memory') return new MemorySendLogStore();
  if (choice === 'indexeddb') return new IndexeddbSendLogStore(sendLogDbName(options.device));
  return choice;
}

function resolvePersistence(option: 'indexeddb' | 'none' | DocPersistenceFactory): DocPersistenceFactory | null {
  if (option === 'none') return null;
  if (option === 'indexeddb') return indexeddbPersistence;
  return option;
}

/** Deletes the device copy of a document that is not open. */
async function discardClosed(persistence: DocPersistenceFactory | null, docName: string): Promise<void> {
  const stored = persistence?.(docName, new Y.Doc());
  if (!stored) return;
  await stored.load().catch(() => undefined);
  await stored.clear();
}

function flushReport(docs: Map<string, SyncedDoc>, offers: StateOffers, status: SyncStatus, elapsedMs: number): FlushReport {
  // A held state not yet offered counts as one change: how many the relay lacks is not known until it is.
  const offered = offers.pending.filter((doc) => !docs.has(doc)).map((doc) => ({ doc, pending: 1, savedOnDevice: true, stuckReason: null, lastError: null }));
  const remaining = [...docs.values()]
    .map((doc) => doc.get())
    .filter((s) => !s.onRelay)
    .map((s) => ({
      doc: s.doc,
      pending: s.pending,
      savedOnDevice: s.savedOnDevice,
      stuckReason: s.stuckReason,
      lastError: s.lastError,
    }))
    .concat(offered);
  const { online, lastError } = status.get();
  return { ok: remaining.length === 0, online, elapsedMs, lastError, remaining };
}
