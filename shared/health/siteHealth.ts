/**
 * What `GET /api/admin/health` answers (README, "Site health"): the relay's
 * own state, every device connected to it as the device reported itself, and
 * the devices not connected now as they last reported themselves.
 * Shared so the app reads the same shape the relay writes.
 */
import type { Role } from '../auth/roles';
import type { DeviceHeartbeat } from './heartbeat';
import type { SendAttempt } from './sendLog';

/** One change the relay refused, or a known user's connection it refused at the door; kept in memory (the newest 100). */
export interface RecentRefusal {
  /** Relay time (ms). */
  at: number;
  user: string;
  device: string | null;
  /** The document; '' for a connection refused at the door (a device of another user, too many connections). */
  doc: string;
  /** The mux error code sent (2 too large, 3 permission denied, 5 missing changes) or the close code (unreadable; 4403, 4430 at the door). */
  code: number;
  reason: string;
}

/** A device connected over `/mux`, as the relay sees it and as it last reported itself. */
export interface ConnectedDevice {
  /** The device id from the authenticated connection (null: the connection named none). */
  device: string | null;
  user: string;
  userName: string;
  role: Role;
  /** Relay time (ms) the socket was admitted. */
  connectedAt: number;
  /** Relay time (ms) of the last frame from the device. */
  lastContactAt: number;
  /** Relay time (ms) of its last heartbeat (null: none yet on this connection). */
  reportedAt: number | null;
  /** Its last heartbeat, as read (every field checked). */
  report: DeviceHeartbeat | null;
}

/**
 * A device not connected now that the relay heard from, or that was enrolled,
 * in the past 30 days (the newest 1,000): who was on it, when it was last
 * heard, and the last pending work and sync state it reported.
 */
export interface AbsentDevice {
  device: string;
  /** The user last on it (or, never heard from, the user it is enrolled to). */
  user: string;
  /** Their display name (the user id when the relay no longer knows them). */
  userName: string;
  /** Their role; null when the relay no longer knows them. */
  role: Role | null;
  /** True when the user has been revoked. */
  revoked: boolean;
  /** Relay time (ms) of the last frame from it; null: not heard from since it was enrolled. */
  lastContactAt: number | null;
  /** When it was enrolled to its user (ms); null: it is not enrolled now (released by an admin). */
  enrolledAt: number | null;
  /** Relay time (ms) of its last heartbeat (null: none on its last connection). */
  reportedAt: number | null;
  /** That heartbeat, as read (every field checked): the state the device was in when last heard. */
  report: DeviceHeartbeat | null;
}

export interface SiteHealth {
  /** Relay time of this answer (ms). */
  at: number;
  /** The relay's version (package.json). */
  version: string;
  startedAt: number;
  uptimeSeconds: number;
  storage: { ok: boolean; lastError: string | null; pendingWrites: number; failingSince: number | null };
  /** Free and total bytes of the data folder's disk (statfs); error when it could not be read. */
  disk: { freeBytes: number | null; totalBytes: number | null; error: string | null };
  /** Scheduled backups: off, or the age of the last good one (null: none yet). */
  backups: { scheduled: false } | { scheduled: true; lastAgeSeconds: number | null };
  devices: ConnectedDevice[];
  /** Devices not connected now, most recently heard from first (never heard: last, newest enrolment first). */
  absentDevices: AbsentDevice[];
  /** Stock `/sync/<doc>` connections (no heartbeat). */
  otherConnections: number;
  /** Newest first. */
  refusals: RecentRefusal[];
}

/** A device's whole send log as an admin pulled it (`POST /api/admin/health/devices/<device>/send-log`). */
export interface PulledSendLog {
  device: string;
  user: string;
  /** Relay time the answer arrived (ms). */
  receivedAt: number;
  /** Oldest first, every field checked. */
  attempts: SendAttempt[];
}
