/**
 * The contract of the bulk exchange with the relay (issue 11; PROTOCOL.md
 * section 2, frame kinds 6-9), as the app depends on it: `fetchStates` brings
 * many records' compacted state in batches, resumable by state vectors;
 * `watchChanges` names held records that changed on the relay, without a
 * subscription per record.
 *
 * The sync client (client/sync) implements it once the relay speaks these
 * frames: then `SyncClient` satisfies `StateFeed` and the Workspace is given
 * the client itself. Until then `fetchStatesByOpening.ts` is a slow but
 * correct stand-in.
 */

/** One document's state vector: what the device already has of it. */
export interface FetchDoc {
  readonly name: string;
  readonly stateVector: Uint8Array;
}

/** One document's answer: an update holding what the device lacked (may be empty). */
export interface FetchedState {
  readonly name: string;
  readonly update: Uint8Array;
}

/** A `fetchStates` request. */
export interface FetchStatesRequest {
  readonly docs: readonly FetchDoc[];
  /** Called per batch of answers; awaited before the next batch is handed over. */
  readonly onBatch: (batch: FetchedState[]) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/** fetchStates and watchChanges, as on the SyncClient; see the module comment. */
export interface StateFeed {
  /** Resolves `complete: false` when the link dropped or the request was aborted (call again to resume). */
  fetchStates(request: FetchStatesRequest): Promise<{ complete: boolean }>;
  /** Replaces the watched set; `onChanged` gets names of documents changed on the relay. Returns the stop function. */
  watchChanges(docs: readonly string[], onChanged: (names: string[]) => void): () => void;
}
