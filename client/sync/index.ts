/**
 * The device-side sync core of Tally, framework-free. The app creates one
 * client with `createSyncClient` and reads state through `subscribe`/`get`.
 */
export { createSyncClient, type FlushReport, type SyncClient, type SyncClientOptions } from './createSyncClient';
export { SyncedDoc, type DocSyncState, type RelayPhase, type RelayRefusal, type SyncedDocOptions } from './SyncedDoc';
export { StatesFetcher, type FetchedState, type FetchStatesRequest, type FetchStatesResult } from './StatesFetcher';
export { ChangeWatcher } from './ChangeWatcher';
export { StateOffers, type OfferOutcome } from './StateOffers';
export { SyncStatus, type SyncStatusSnapshot } from './SyncStatus';
export { MuxConnection, type ConnectionSnapshot, type ConnectionState, type MuxConnectionOptions, type MuxFeedHandler } from './MuxConnection';
export type { WebSocketConstructor, WebSocketLike } from './WebSocketLike';
export type { DocPersistence, DocPersistenceFactory, SyncCounters } from './DocPersistence';
export { IndexeddbDocPersistence, indexeddbPersistence } from './IndexeddbDocPersistence';
export { MemoryDevice, MemoryDocPersistence } from './MemoryDocPersistence';
export { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff';
export { waitFor, type Subscribable } from './waitFor';
export { UnloadRescue, type KeyValueStore } from './UnloadRescue';
export { transactionWrote } from './transactionWrote';
export type { SyncError, SyncLog } from './SyncError';
export { SendLog, MemorySendLogStore, type SendLogSink, type SendLogStore, type SendLogOptions } from './SendLog';
export { IndexeddbSendLogStore, sendLogDbName } from './IndexeddbSendLogStore';
export { DeviceReporter, heartbeatOf, type DeviceReporterOptions } from './DeviceReporter';
