/**
 * What the app's held records need of the sync client: `fetchStates` brings
 * many records' compacted state in batches, resumable by state vectors, and
 * `watchChanges` names held records that changed on the relay, without a
 * subscription per record (PROTOCOL.md section 2, frame kinds 10-13). The
 * SyncClient is one; tests may wrap it to observe what flows.
 */
import type { SyncClient } from '../../../client/sync';

export type { FetchedState, FetchStatesRequest } from '../../../client/sync';

/** fetchStates and watchChanges, as on the SyncClient. */
export type StateFeed = Pick<SyncClient, 'fetchStates' | 'watchChanges'>;
