/**
 * Applies a peer's update (or several it sent together) to a document inside
 * one transaction and judges them as a whole before the transaction ends, so
 * observers (the record reviewer) can tell a refused update from an accepted
 * one. Yjs cannot take integrated items back: a document that took part of a
 * refused or malformed update is `tainted`, and its room reloads it from disk.
 */
import * as Y from 'yjs';
import { advancedClients } from './transactionClocks';
import type { StateVector } from './StoredSegments';

/** `Transaction.meta` key set on a transaction whose update was refused: observers must ignore it. */
const REFUSED = Symbol('refused');

/** True when `txn` carried an update the relay refused (and is about to roll back). */
export function wasRefused(txn: Y.Transaction): boolean {
  return txn.meta.get(REFUSED) === true;
}

export interface JudgedUpdate {
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
}

/** Why a relay never keeps an update that waits for changes it lacks. */
export const MISSING_DEPENDENCIES = 'the update depends on changes the relay does not have: send the full state';

/**
 * Applies `updates` in order to `doc` in one transaction (origin `origin`)
 * and asks `judge` about what they did, inside the transaction (with the
 * clients they advanced). Updates whose structs or deletions Yjs would keep
 * pending (their dependencies are missing) are refused: pending parts would
 * later be integrated without being judged. Applying stops at the first
 * update Yjs cannot read.
 */
export function applyJudged(
  doc: Y.Doc,
  updates: readonly Uint8Array[],
  origin: unknown,
  judge: (txn: Y.Transaction, advanced: StateVector) => string | null,
): JudgedUpdate {
  const store = doc.store;
  const structsBefore = store.pendingStructs?.update ?? null;
  const deletesBefore = store.pendingDs;
  const outcome: JudgedUpdate = { until: new Map(), deletes: false, changed: false, refusal: null, failure: null, tainted: false };
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
      if (outcome.failure === null) {
        if (pendingChanged) outcome.refusal = MISSING_DEPENDENCIES;
        else if (outcome.changed) outcome.refusal = judge(txn, outcome.until);
      }
      const rejected = outcome.failure !== null || outcome.refusal !== null;
      if (rejected) txn.meta.set(REFUSED, true);
      outcome.tainted = outcome.refusal !== null || (outcome.failure !== null && (outcome.changed || pendingChanged));
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
