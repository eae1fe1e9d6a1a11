/**
 * Applies an update the write policy accepted (or several a peer sent
 * together) to a document inside one transaction. Yjs's own check stays as a
 * guard: parts it would keep pending (their dependencies are missing) would
 * later be integrated without being judged, so such an update is refused.
 * Yjs cannot take integrated items back: a document that took part of a
 * refused or malformed update is `tainted`, and its room reloads it from disk.
 * An accepted change says what it added, for the steps after it (the record
 * reviewer, the index): nothing after has to tell refused from accepted.
 */
import * as Y from 'yjs';
import { advancedClients, itemsAdded } from './transactionClocks';
import type { StateVector } from './StoredSegments';

/** One item a change added: where, and what it holds. */
export interface AddedItem {
  /** The shared type it was added to. */
  readonly parent: unknown;
  /** Whether the same change deleted it again. */
  readonly deleted: boolean;
  readonly values: readonly unknown[];
}

/** What an accepted change did to the document. */
export interface AcceptedChange {
  /**
   * The items it added, in client and clock order. Read inside the
   * transaction: when it ends Yjs merges an item into the one on its left,
   * which then holds both contents.
   */
  readonly added: readonly AddedItem[];
  /** The shared types it changed. */
  readonly changed: ReadonlySet<unknown>;
}

export interface AppliedUpdate {
  /** The new clock of every client the update advanced. */
  until: StateVector;
  /** Whether it deleted something. */
  deletes: boolean;
  /** Whether it added or deleted anything (an update the relay already holds changes nothing). */
  changed: boolean;
  /** Why it was refused, or null. */
  refusal: string | null;
  /** What stopped Yjs applying it (malformed bytes), or null. */
  failure: unknown;
  /** The document holds something it must not keep: reload it from disk. */
  tainted: boolean;
  /** What it did, when it changed something and was neither refused nor failed. */
  accepted: AcceptedChange | null;
}

/** Why a relay never keeps an update that waits for changes it lacks. */
export const MISSING_DEPENDENCIES = 'the update depends on changes the relay does not have: send the full state';

/**
 * Applies `updates` in order to `doc` in one transaction (origin `origin`).
 * Updates whose structs or deletions Yjs would keep pending are refused.
 * Applying stops at the first update Yjs cannot read.
 */
export function applyJudged(doc: Y.Doc, updates: readonly Uint8Array[], origin: unknown): AppliedUpdate {
  const store = doc.store;
  const structsBefore = store.pendingStructs?.update ?? null;
  const deletesBefore = store.pendingDs;
  const outcome: AppliedUpdate = { until: new Map(), deletes: false, changed: false, refusal: null, failure: null, tainted: false, accepted: null };
  Y.transact(
    doc,
    (txn) => {
      try {
        for (const update of updates) Y.applyUpdate(doc, update);
      } catch (err) {
        outcome.failure = err;
      }
      outcome.until = advancedClients(txn);
      outcome.deletes = txn.deleteSet.clients.size > 0;
      outcome.changed = outcome.until.size > 0 || outcome.deletes;
      const pendingChanged =
        !sameBytes(structsBefore, store.pendingStructs?.update ?? null) || !sameBytes(deletesBefore, store.pendingDs);
      if (outcome.failure === null && pendingChanged) outcome.refusal = MISSING_DEPENDENCIES;
      outcome.tainted = outcome.refusal !== null || (outcome.failure !== null && (outcome.changed || pendingChanged));
      if (outcome.changed && outcome.failure === null && outcome.refusal === null) {
        const added = itemsAdded(txn, outcome.until).map((item) => ({ parent: item.parent, deleted: item.deleted, values: item.content.getContent() }));
        outcome.accepted = { added, changed: new Set<unknown>(txn.changed.keys()) };
      }
    },
    origin,
    false,
  );
  return outcome;
}

/** True when `a` and `b` are both null or hold the same bytes (Yjs replaces pending updates on every retry). */
function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.byteLength !== b.byteLength) return false;
  return a.every((byte, k) => byte === b[k]);
}
