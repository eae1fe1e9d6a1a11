/**
 * A stand-in for the sync client's `fetchStates`/`watchChanges` (see
 * stateFeed.ts) until the relay speaks the bulk frames: slow but correct.
 * It works on a SECOND sync client of its own, memory only (no IndexedDB),
 * so it never races the app's documents for a name on the mux socket:
 *
 * - fetchStates opens each document (a few at a time), waits until the relay
 *   has sent what it holds, answers what the caller's state vector lacks and
 *   closes it; a dropped link or an abort ends it with `complete: false`.
 * - watchChanges keeps one memory subscription per watched document and
 *   reports a document when the relay sends it something new.
 *
 * Replace it with the sync client itself at merge (Workspace option `feed`).
 */
import * as Y from 'yjs';
import type { SyncClient, SyncedDoc } from '../../../client/sync';
import type { FetchedState, FetchStatesRequest, StateFeed } from './stateFeed';

/** Documents opened at a time. */
const PARALLEL = 16;
/** Changed names are reported at most this often. */
const CHANGED_BATCH_MS = 200;

/** The stand-in feed over `connect()`'s client (called once, on first use). */
export function fetchStatesByOpening(connect: () => SyncClient): StateFeed & { destroy(): Promise<void> } {
  let client: SyncClient | null = null;
  const feedClient = (): SyncClient => {
    client ??= connect();
    // Asked for now: skip any backoff wait (the app's own connection is online when it asks).
    if (!client.connection.online) client.connection.reconnectNow();
    return client;
  };
  let watched = new Set<string>();
  let onChanged: ((names: string[]) => void) | null = null;
  const watching = new Map<string, () => void>();
  const changed = new Set<string>();
  let changedTimer: ReturnType<typeof setTimeout> | null = null;
  let reconcileQueued = false;

  const report = (name: string): void => {
    changed.add(name);
    changedTimer ??= setTimeout(() => {
      changedTimer = null;
      const names = [...changed];
      changed.clear();
      onChanged?.(names);
    }, CHANGED_BATCH_MS);
  };

  /** Opens the watched documents not yet open, closes the ones no longer watched (deferred: stop + watch is one change). */
  const reconcile = (): void => {
    if (reconcileQueued) return;
    reconcileQueued = true;
    queueMicrotask(() => {
      reconcileQueued = false;
      for (const [name, off] of watching) {
        if (watched.has(name)) continue;
        off();
        watching.delete(name);
        void feedClient().close(name);
      }
      for (const name of watched) {
        if (watching.has(name)) continue;
        const synced = feedClient().open(name);
        // What the relay sends after its first answer is news (also its answer after a reconnect); the first is the baseline.
        let baseline = synced.get().relaySynced;
        const offSynced = synced.subscribe(() => {
          if (synced.get().relaySynced) baseline = true;
        });
        const onUpdate = (_update: Uint8Array, origin: unknown): void => {
          if (origin === synced && baseline) report(name);
        };
        synced.doc.on('update', onUpdate);
        watching.set(name, () => {
          offSynced();
          synced.doc.off('update', onUpdate);
        });
      }
    });
  };

  return {
    async fetchStates(request: FetchStatesRequest): Promise<{ complete: boolean }> {
      const fc = feedClient();
      const signal = request.signal;
      // One listener per request, however many documents wait on it.
      const aborted = new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      const queue = [...request.docs];
      let complete = true;
      while (queue.length > 0) {
        if (request.signal?.aborted) return { complete: false };
        const chunk = queue.splice(0, PARALLEL);
        const answers = await Promise.all(chunk.map((d) => fetchOne(fc, d.name, d.stateVector, aborted, () => watching.has(d.name))));
        if (answers.some((a) => a === null)) complete = false;
        const batch = answers.filter((a): a is FetchedState => a !== null);
        if (batch.length > 0) await request.onBatch(batch);
        if (!complete) return { complete };
      }
      return { complete };
    },
    watchChanges(docs, listener) {
      watched = new Set(docs);
      onChanged = listener;
      reconcile();
      return () => {
        if (onChanged !== listener) return;
        watched = new Set();
        onChanged = null;
        reconcile();
      };
    },
    async destroy() {
      if (changedTimer) clearTimeout(changedTimer);
      for (const off of watching.values()) off();
      watching.clear();
      await client?.destroy();
    },
  };
}

/** Opens `name` on the feed's client, waits for the relay's answer, returns what `stateVector` lacks (null: link dropped). */
async function fetchOne(client: SyncClient, name: string, stateVector: Uint8Array, aborted: Promise<void>, keepOpen: () => boolean): Promise<FetchedState | null> {
  const synced = client.open(name);
  try {
    if (!(await relayAnswered(client, synced, aborted))) return null;
    return { name, update: Y.encodeStateAsUpdate(synced.doc, stateVector) };
  } finally {
    if (!keepOpen()) await client.close(name);
  }
}

/** Resolves true once the relay has sent the document, false if the link drops or `aborted` settles first. */
function relayAnswered(client: SyncClient, synced: SyncedDoc, aborted: Promise<void>): Promise<boolean> {
  let wasOnline = client.connection.online;
  return new Promise((resolve) => {
    let done = false;
    const check = (): void => {
      if (synced.get().relaySynced) return finish(true);
      const online = client.connection.online;
      if (wasOnline && !online) return finish(false);
      wasOnline = online;
    };
    const offDoc = synced.subscribe(check);
    const offConnection = client.connection.subscribe(check);
    void aborted.then(() => finish(false));
    function finish(ok: boolean): void {
      if (done) return;
      done = true;
      offDoc();
      offConnection();
      resolve(ok);
    }
    check();
  });
}
