/**
 * Gathers what the health page shows (shared/health/siteHealth.ts): the
 * relay's version and uptime, storage state, free disk of the data folder
 * (statfs), the last backup, each connected device with what it last
 * reported, the devices not connected now (absentDevices.ts), and the recent
 * refusals.
 */
import { statfs } from 'node:fs/promises';
import type { ConnectedDevice, SiteHealth } from '../../shared/health/siteHealth';
import type { Role } from '../../shared/auth/roles';
import type { DeviceBinding } from '../auth/DeviceStore';
import type { DeviceSighting } from './DeviceSightings';
import { absentDevices } from './absentDevices';
import type { DeviceHeartbeat } from '../../shared/health/heartbeat';
import type { Principal } from '../net/Principal';
import type { StoreHealth } from '../storage/DocStore';
import type { RecentRefusals } from './RecentRefusals';

/** A `/mux` connection as the health page sees it. */
export interface DeviceConnection {
  readonly principal: Principal;
  readonly connectedAt: number;
  readonly heardAt: number;
  readonly report: DeviceHeartbeat | null;
  readonly reportedAt: number | null;
}

/** Where the figures come from. */
export interface SiteHealthSources {
  version: string;
  startedAt: number;
  storage(): StoreHealth;
  /** The data folder, whose disk's free space is shown; undefined: not known (tests). */
  dataDir: string | undefined;
  /** When the last good scheduled backup finished; undefined when backups are not scheduled. */
  lastBackupAt: (() => number | null) | undefined;
  devices(): readonly DeviceConnection[];
  /** Devices enrolled to users (DeviceStore.list); absent: none known (an open relay). */
  bindings?(): readonly DeviceBinding[];
  /** What the relay last heard from each device (DeviceSightings.list); absent: nothing kept. */
  sightings?(): readonly DeviceSighting[];
  /** A user as the relay knows them now; absent: names and roles are not known. */
  userOf?(id: string): { name: string; role: Role; revoked: boolean } | undefined;
  otherConnections(): number;
  refusals: RecentRefusals;
  now?: () => number;
}

export async function collectSiteHealth(sources: SiteHealthSources): Promise<SiteHealth> {
  const now = (sources.now ?? Date.now)();
  const storage = sources.storage();
  const lastBackupAt = sources.lastBackupAt?.();
  const connections = sources.devices();
  return {
    at: now,
    version: sources.version,
    startedAt: sources.startedAt,
    uptimeSeconds: Math.round((now - sources.startedAt) / 1000),
    storage: { ok: storage.ok, lastError: storage.lastError ?? null, pendingWrites: storage.pendingWrites, failingSince: storage.failingSince ?? null },
    disk: await diskSpace(sources.dataDir),
    backups: lastBackupAt === undefined ? { scheduled: false } : { scheduled: true, lastAgeSeconds: lastBackupAt === null ? null : Math.round((now - lastBackupAt) / 1000) },
    devices: connections.map(connectedDevice).sort((a, b) => a.userName.localeCompare(b.userName) || (a.device ?? '').localeCompare(b.device ?? '')),
    absentDevices: absentDevices({
      connected: new Set(connections.flatMap((c) => (c.principal.device ? [c.principal.device] : []))),
      bindings: sources.bindings?.() ?? [],
      sightings: sources.sightings?.() ?? [],
      userOf: sources.userOf ?? (() => undefined),
      now,
    }),
    otherConnections: sources.otherConnections(),
    refusals: sources.refusals.list(),
  };
}

function connectedDevice(conn: DeviceConnection): ConnectedDevice {
  const { principal } = conn;
  return {
    device: principal.device,
    user: principal.user,
    userName: principal.name,
    role: principal.role,
    connectedAt: conn.connectedAt,
    lastContactAt: conn.heardAt,
    reportedAt: conn.reportedAt,
    report: conn.report,
  };
}

/** Free and total bytes of the disk holding `dir`. */
export async function diskSpace(dir: string | undefined): Promise<SiteHealth['disk']> {
  if (dir === undefined) return { freeBytes: null, totalBytes: null, error: 'the relay was started without a data folder' };
  try {
    const s = await statfs(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize, error: null };
  } catch (err) {
    return { freeBytes: null, totalBytes: null, error: (err as Error).message };
  }
}
