/**
 * Whether a document's stored acknowledgements still vouch for anything on
 * the relay it is connected to. Every ack is stored with the identity of the
 * relay store that gave it (the `store` of the mux `status` frame, a new one
 * after every restore). A restored relay may lack changes the old store
 * acknowledged after its backup was taken, so acks of another store (or of an
 * unknown one, written before identities existed) are dropped: every change
 * counts as pending again, the relay's sync step 1 is answered with what it
 * lacks, and the document shows on the relay only once this store acks it.
 */

/** A document's acknowledgement as stored, and the relay store it is connected to now. */
export interface AckTrustInput {
  /** Highest change the relay acknowledged, as stored. */
  readonly ackedChangeNo: number;
  /** The store that gave that ack; null: unknown (acked before identities, or by a relay that did not say). */
  readonly ackedBy: string | null;
  /** The store of the current connection; null: not known (offline, or a relay that does not say). */
  readonly relayStore: string | null;
}

/** What the document keeps. */
export interface AckTrust {
  readonly ackedChangeNo: number;
  readonly ackedBy: string | null;
  /** The stored acks were dropped: the caller stores the new counters and says so. */
  readonly dropped: boolean;
}

/** The decision; see the module comment. */
export function ackTrust(input: AckTrustInput): AckTrust {
  const { ackedChangeNo, ackedBy, relayStore } = input;
  // Nothing to go on: keep what is stored (an older relay, or not connected yet).
  if (relayStore === null || ackedBy === relayStore) return { ackedChangeNo, ackedBy, dropped: false };
  // Nothing acknowledged: nothing to distrust; later acks come from this store.
  if (ackedChangeNo === 0) return { ackedChangeNo, ackedBy: relayStore, dropped: false };
  return { ackedChangeNo: 0, ackedBy: relayStore, dropped: true };
}
