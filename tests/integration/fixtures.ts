/**
 * Helpers shared by the integration tests: a Tally device in Node, reading a
 * record the way every copy (device, stock client, relay store) is compared,
 * and waiting on a Y.Doc without sleeping.
 */
import { expect } from 'vitest';
import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { createSyncClient, type SyncClient, type SyncClientOptions } from '../../client/sync/createSyncClient';
import { waitFor, type Subscribable } from '../../client/sync/waitFor';
import { duplicateIds, readRecord, receivedByItem, type LineEntry, type RecordSnapshot } from '../../shared/model';
import { docFromUpdates } from '../support/muxClient';
import type { TestRelay } from '../support/testRelay';

/** A sync log that keeps warnings for the failure message instead of printing them. */
export interface QuietLog {
  warn(message: string, err?: unknown): void;
  lines: string[];
}

export function quietLog(): QuietLog {
  const lines: string[] = [];
  return { warn: (message, err) => void lines.push(err === undefined ? message : `${message}: ${String(err)}`), lines };
}

/** A Tally sync client in Node (ws, memory only) with test-sized timings; `options` override. */
export function tallyDevice(url: string, device: string, options: Partial<SyncClientOptions> = {}): SyncClient {
  return createSyncClient({
    url,
    device,
    WebSocketImpl: WebSocket as never,
    persistence: 'none',
    watchdogMs: 10_000,
    backoff: { minMs: 20, maxMs: 200 },
    log: quietLog(),
    ...options,
  });
}

/** What the comparisons look at in one copy of a record. */
export interface RecordView {
  /** Entry ids in document order (identical on converged copies). */
  ids: string[];
  /** Ids of receive lines, sorted. */
  lineIds: string[];
  /** Ids that occur more than once in the log. */
  duplicates: string[];
  /** Log items that did not parse as entries. */
  rejected: number;
  /** Received quantity per item, as the app derives it. */
  totals: Record<string, number>;
  snapshot: RecordSnapshot;
}

export function viewOf(doc: Y.Doc): RecordView {
  const snapshot = readRecord(doc);
  const { entries } = snapshot;
  return {
    ids: entries.map((e) => e.id),
    lineIds: entries.filter((e): e is LineEntry => e.kind === 'line').map((e) => e.id).sort(),
    duplicates: duplicateIds(entries),
    rejected: snapshot.rejected,
    totals: Object.fromEntries(receivedByItem(entries).totals),
    snapshot,
  };
}

/** The record as the relay's LevelDB holds it. */
export async function storedView(t: TestRelay, docName: string): Promise<RecordView> {
  return viewOf(docFromUpdates(await t.store.load(docName)));
}

/** A Y.Doc's record view as a Subscribable, updated on every update of the doc. */
export function watchRecord(doc: Y.Doc): Subscribable<RecordView> {
  let view: RecordView | null = null;
  return {
    get: () => (view ??= viewOf(doc)),
    subscribe(listener) {
      const onUpdate = (): void => {
        view = null;
        listener();
      };
      doc.on('update', onUpdate);
      return () => doc.off('update', onUpdate);
    },
  };
}

/** Waits until `check` holds for the record in `doc`; fails with `what` and the last view. */
export async function untilRecord(doc: Y.Doc, check: (view: RecordView) => boolean, what: string, timeoutMs = 10_000): Promise<RecordView> {
  const source = watchRecord(doc);
  const ok = await waitFor(source, check, timeoutMs);
  const view = source.get();
  expect(ok, `timed out waiting for ${what}; have ${view.lineIds.length} lines, totals ${JSON.stringify(view.totals)}`).toBe(true);
  return view;
}

/** Sums `qty` per item over `lines`, keys sorted like `receivedByItem`. */
export function expectedTotals(lines: ReadonlyArray<{ item: string; qty: number }>): Record<string, number> {
  const sums = new Map<string, number>();
  for (const { item, qty } of lines) sums.set(item, (sums.get(item) ?? 0) + qty);
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
