/**
 * Shift start: one action that brings the working set onto the device before
 * a crew walks into a dead zone: the site document (record list, item master
 * with barcodes, bins) and every record still in play, each read from the
 * relay and saved in IndexedDB. Progress is reported as documents finish.
 */
import { waitFor, type SyncedDoc } from '../../../client/sync';
import type { KeyValueStore } from './device';
import { plural } from './format';
import type { Workspace } from './Workspace';

/** Statuses after which a record needs no more work on the floor. */
const FINAL_STATUSES = new Set(['closed', 'rejected', 'accepted']);

/** Where shift start is, for the progress bar. */
export interface ShiftProgress {
  readonly phase: 'connecting' | 'site' | 'records' | 'ready' | 'offline' | 'incomplete';
  /** Documents fetched and saved so far, of `total`. */
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** Options of `startShift`. */
export interface StartShiftOptions {
  /** Give up waiting for the relay after this long (default 30 s). */
  timeoutMs?: number;
  /** Remembers when the device was last ready (default localStorage). */
  store?: KeyValueStore;
  now?: () => number;
}

/** The document has what the relay holds and has saved it on the device. */
const fetched = (doc: SyncedDoc, timeoutMs: number) => waitFor(doc, (s) => s.relaySynced && s.savedOnDevice, timeoutMs);

/**
 * Fetches the working set, calling `onProgress` as it goes; resolves with the
 * final progress: `ready`, `offline` (the relay could not be reached) or
 * `incomplete` (some documents did not arrive in time).
 */
export async function startShift(ws: Workspace, onProgress: (p: ShiftProgress) => void, options: StartShiftOptions = {}): Promise<ShiftProgress> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const store = options.store ?? localStorage;
  const now = options.now ?? Date.now;
  const report = (p: ShiftProgress): ShiftProgress => {
    onProgress(p);
    return p;
  };

  report({ phase: 'connecting', done: 0, total: 1, message: 'Connecting to the relay…' });
  const connection = ws.client.connection;
  if (!connection.online) connection.reconnectNow();
  if (!(await waitFor(connection, (c) => c.online, Math.min(timeoutMs, 10_000)))) {
    const why = connection.get().lastError?.message ?? 'no answer';
    return report({
      phase: 'offline',
      done: 0,
      total: 1,
      message: `Cannot reach the relay (${why}). What is already on this device still works.`,
    });
  }

  report({ phase: 'site', done: 0, total: 1, message: 'Fetching the item master, bins and record list…' });
  const site = ws.site.synced;
  if (!(await fetched(site, timeoutMs))) {
    return report({ phase: 'incomplete', done: 0, total: 1, message: 'The relay did not send the site data in time. Try again.' });
  }

  const ids = ws.site
    .get()
    .records.map((r) => r.id)
    .filter((id) => {
      const held = ws.heldRecord(id)?.get();
      return !(held?.review && FINAL_STATUSES.has(held.review.status));
    });
  const total = ids.length + 1;
  let done = 1;
  report({ phase: 'records', done, total, message: `Fetching ${plural(ids.length, 'record')}…` });
  const results = await Promise.all(
    ids.map(async (id) => {
      const doc = ws.record(id).synced;
      const ok = await fetched(doc, timeoutMs);
      done += 1;
      report({ phase: 'records', done, total, message: `Fetched ${done - 1} of ${ids.length} records…` });
      return ok;
    }),
  );
  const missing = results.filter((ok) => !ok).length;
  if (missing > 0) {
    return report({ phase: 'incomplete', done, total, message: `${plural(missing, 'record')} did not arrive in time. Try again before leaving the network.` });
  }
  store.setItem(`tally.shiftReady.${ws.session.site}`, String(now()));
  const { items, locations } = ws.site.get();
  return report({
    phase: 'ready',
    done: total,
    total,
    message: `Ready for offline work: ${plural(ids.length, 'record')}, ${plural(items.length, 'item')} and ${plural(locations.length, 'bin')} are on this device.`,
  });
}

/** When this device last finished shift start for `site`, if ever. */
export function lastShiftReady(site: string, store: KeyValueStore = localStorage): number | null {
  const n = Number(store.getItem(`tally.shiftReady.${site}`));
  return Number.isFinite(n) && n > 0 ? n : null;
}
