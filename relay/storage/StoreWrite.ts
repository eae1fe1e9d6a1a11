import type { QueuedWrite } from './GroupCommitQueue';

/** A document store write as it waits in the group-commit queue. */
export interface StoreWrite<Op> extends QueuedWrite<Op> {
  doc: string;
  kind: 'append' | 'compact';
  /** The update (append) or the merged state (compact). Kept by reference until durable. */
  data: Uint8Array;
}

/**
 * What a document's log will hold once `pending` (its writes not yet durable,
 * oldest first) are written on top of `stored`: appends add, a compaction
 * replaces everything before it.
 */
export function applyPending<Op>(stored: Uint8Array[], pending: StoreWrite<Op>[]): Uint8Array[] {
  if (pending.length === 0) return stored;
  let updates = stored.slice();
  for (const write of pending) {
    if (write.kind === 'compact') updates = [write.data];
    else updates.push(write.data);
  }
  return updates;
}
