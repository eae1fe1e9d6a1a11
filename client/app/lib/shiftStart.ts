/**
 * Shift start: one action that brings the working set onto the device before
 * a crew walks into a dead zone: the site document (record list, item master
 * with barcodes, bins), then every record the site lists from the last 30
 * days in ONE bulk exchange (`fetchStates`), stored batch by batch in the
 * device record store. Progress moves per batch; there is no per-record
 * deadline (a slow phone is slow, not failed). Interrupted, it says so, and
 * running it again fetches only what the device still lacks.
 */
import { waitFor, type SyncedDoc } from '../../../client/sync';
import type { KeyValueStore } from './device';
import { plural } from './format';
import { RECENT_MS, type Workspace } from './Workspace';

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
  /** Give up waiting for the relay (to connect, to send the site data) after this long (default 30 s). */
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
 * `incomplete` (the site data did not arrive in time, or the link dropped
 * during the records: start again to fetch the rest).
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

  const since = now() - RECENT_MS;
  const ids = ws.site
    .get()
    .records.filter((r) => r.createdAt >= since)
    .map((r) => r.id);
  const total = ids.length + 1;
  report({ phase: 'records', done: 1, total, message: `Fetching ${plural(ids.length, 'record')}…` });
  let stored = 0;
  const result = await ws.fetchRecords(ids, {
    onProgress: ({ done }) => {
      stored = done;
      report({ phase: 'records', done: done + 1, total, message: `Fetched ${done} of ${ids.length} records…` });
    },
  });
  if (!result.complete) {
    return report({
      phase: 'incomplete',
      done: stored + 1,
      total,
      message: `The connection dropped after ${stored} of ${plural(ids.length, 'record')}. Start shift again to fetch the rest before leaving the network.`,
    });
  }
  await ws.forgetOld(now());
  // "Ready for offline work" is a promise about the disk: the fetched batches are flushed first.
  await ws.held.flush();
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
