/**
 * What the relay hands each connection it admits, on either endpoint.
 */
import type { ChangeCounters } from '../metrics/RelayMetrics';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import type { ChangeFeed } from '../sync/ChangeFeed';
import type { DocRegistry } from '../sync/DocRegistry';
import type { RecordSummaries } from '../sync/RecordSummaries';
import type { Principal } from './Principal';
import type { RefusalBudget } from './RefusalBudget';
import type { StageTimings } from '../diag/StageTimings';
import type { NoticeLog } from '../notices/NoticeLog';
import type { RecentRefusals } from '../health/RecentRefusals';
import type { SendLogPulls } from '../health/SendLogPulls';
import type { NoticeReceipts } from '../notices/NoticeReceipts';
import type { DeviceSightings } from '../health/DeviceSightings';

export interface ConnectionOptions<C> {
  /** Who is on the other end, as authenticated at the upgrade. */
  principal: Principal;
  /** Where documents are opened. */
  registry: DocRegistry;
  /** Where `/mux` connections watch documents for changes (without it, `watch` frames are ignored). */
  changeFeed?: ChangeFeed;
  /** Where `/mux` connections get the summaries a `fetchSummarized` asks for (without it, answered empty). */
  recordSummaries?: RecordSummaries;
  limits: RelayLimits;
  log: RelayLog;
  /** The relay's number for this connection, in log labels. */
  connId: number;
  /**
   * The budget of refused writes this connection spends from: its user's,
   * shared with their other connections (PerUserLimits).
   */
  refusals: RefusalBudget;
  /** Where `/mux` connections record `noticeSeen` acknowledgements (without it, they are ignored). */
  notices?: NoticeLog;
  /**
   * The data folder's identity, appended to every `status` frame of a `/mux`
   * connection that asked for it (`store=1`); absent: never sent.
   */
  store?: string;
  /** Where `/mux` connections record how far their device holds the notices, and its last contact. */
  noticeReceipts?: NoticeReceipts;
  /** Where `/mux` connections record their device's last contact and heartbeat, for the health page once it is gone. */
  sightings?: DeviceSightings;
  /** Where per-stage timings of changes go (diagnostics on). */
  stages?: StageTimings;
  /** Where acknowledged and refused changes are counted (/metrics). */
  metrics?: ChangeCounters;
  /** Where refused changes are kept for the health page. */
  refusalLog?: RecentRefusals;
  /** Where `/mux` devices' `sendLog` answers go (without it, they are ignored). */
  sendLogPulls?: SendLogPulls;
  /** Runs once, after the socket closed and every document was left. */
  onClosed: (conn: C) => void;
}
