/**
 * Small helpers shared by the sync-core tests: writing receipt lines, reading
 * them back, waiting on a document's sync state, and y-websocket messages a
 * relay double sends.
 */
import * as Y from 'yjs';
import { expect } from 'vitest';
import type { DocSyncState, SyncedDoc } from '../../client/sync/SyncedDoc';
import { waitFor, type Subscribable } from '../../client/sync/waitFor';

/** A log that keeps warnings for assertions instead of printing them. */
export function collectingLog(): { warn(message: string): void; lines: string[] } {
  const lines: string[] = [];
  return { warn: (message: string) => void lines.push(message), lines };
}

/** Appends receipt lines `${prefix}:${i}` in one transaction per line (one change each). */
export function addLines(doc: Y.Doc, prefix: string, count: number, qty = 1): void {
  for (let i = 0; i < count; i++) doc.getArray('lines').push([{ id: `${prefix}:${i}`, qty }]);
}

/** The ids of every line in `doc`, sorted. */
export function lineIds(doc: Y.Doc): string[] {
  return (doc.getArray('lines').toJSON() as Array<{ id: string }>).map((l) => l.id).sort();
}

/** Sum of the quantities of every line in `doc`. */
export function totalQty(doc: Y.Doc): number {
  return (doc.getArray('lines').toJSON() as Array<{ qty: number }>).reduce((sum, l) => sum + l.qty, 0);
}

/** Waits until `check` holds for the document's sync state, failing with `what` after `timeoutMs`. */
export async function untilState(doc: SyncedDoc, check: (s: DocSyncState) => boolean, what: string, timeoutMs = 10_000): Promise<DocSyncState> {
  const ok = await waitFor(doc, check, timeoutMs);
  expect(ok, `timed out waiting for ${doc.name}: ${what}; state ${JSON.stringify(doc.get())}`).toBe(true);
  return doc.get();
}

/** The Y.Doc's updates as a Subscribable of `read(doc)`. */
export function watchDoc<T>(doc: Y.Doc, read: (doc: Y.Doc) => T): Subscribable<T> {
  return {
    get: () => read(doc),
    subscribe(listener) {
      doc.on('update', listener);
      return () => doc.off('update', listener);
    },
  };
}

/** Waits until `read(doc)` satisfies `check`. */
export async function untilDoc<T>(doc: Y.Doc, read: (doc: Y.Doc) => T, check: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const ok = await waitFor(watchDoc(doc, read), check, timeoutMs);
  expect(ok, `timed out waiting for ${what}; have ${JSON.stringify(read(doc))}`).toBe(true);
}

export { syncStep1, syncStep2 } from '../support/yMessages';
