/**
 * The last the relay heard from each device over `/mux`: when, as which user,
 * and the device's last heartbeat (its pending work and sync state). The
 * health page lists devices that are not connected now from it ("Ana's
 * handheld, last seen 3 h ago, 4 changes pending").
 *
 * Kept in `<data>/device-sightings.json` so a restarted relay still knows.
 * Like notice-receipts.json it is a status, not an audit record: written
 * atomically at most once every few seconds, left out of backups, and what a
 * crash loses a device says again with its next heartbeat. Bounded: devices
 * last heard in the past SIGHTING_DAYS, at most MAX_SIGHTINGS of them.
 */
import { readFile } from 'node:fs/promises';
import { ThrottledJsonFile } from '../storage/ThrottledJsonFile';
import { isDeviceId } from '../../shared/model/ids';
import { readHeartbeat, type DeviceHeartbeat } from '../../shared/health/heartbeat';

/** A device is remembered this many days after it was last heard from. */
export const SIGHTING_DAYS = 30;
/** Devices remembered at most (those heard from longest ago go first). */
export const MAX_SIGHTINGS = 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the relay last knew of one device. */
export interface DeviceSighting {
  readonly device: string;
  /** The user whose connection it was. */
  readonly user: string;
  /** Relay time (ms) of the last frame from it. */
  readonly lastContactAt: number;
  /** Relay time (ms) of its last heartbeat; null: none on its last connection. */
  readonly reportedAt: number | null;
  /** That heartbeat, every field checked. */
  readonly report: DeviceHeartbeat | null;
}

/** Options of `DeviceSightings.open`. */
export interface DeviceSightingsOptions {
  now?: () => number;
  /** Writes are coalesced to at most one per this long (default 5,000 ms). */
  flushMs?: number;
  /** Told about a file that could not be read or written (a failed write is tried again after flushMs, until closed). */
  onError?: (err: unknown) => void;
}

export class DeviceSightings {
  /** By device; in order of the last sighting, oldest first. */
  private readonly entries = new Map<string, DeviceSighting>();
  /** Null: kept in memory only. */
  private readonly file: ThrottledJsonFile | null;
  private closed = false;

  private constructor(
    path: string | undefined,
    private readonly now: () => number,
    flushMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.file =
      path === undefined ? null : new ThrottledJsonFile({ path, delayMs: flushMs, snapshot: () => ({ version: 1, devices: [...this.entries.values()] }), onError });
  }

  /**
   * Reads `file` (undefined: kept in memory only). A missing file starts
   * empty; entries that do not read are dropped, as are devices not heard
   * from in SIGHTING_DAYS.
   */
  static async open(file: string | undefined, options: DeviceSightingsOptions = {}): Promise<DeviceSightings> {
    const sightings = new DeviceSightings(file, options.now ?? Date.now, options.flushMs ?? 5_000, options.onError ?? (() => undefined));
    if (file === undefined) return sightings;
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { devices?: unknown };
      const read = (Array.isArray(data.devices) ? data.devices : []).map(readSighting).filter((s): s is DeviceSighting => s !== null);
      for (const s of read.sort((a, b) => a.lastContactAt - b.lastContactAt)) sightings.entries.set(s.device, s);
      sightings.trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') sightings.onError(err);
    }
    return sightings;
  }

  /** Records what is known of a device now (on each heartbeat, and when its socket closes). */
  seen(sighting: DeviceSighting): void {
    if (this.closed) return;
    this.entries.delete(sighting.device);
    this.entries.set(sighting.device, sighting);
    this.trim();
    this.file?.schedule();
  }

  /** Every device heard from in the past SIGHTING_DAYS, most recently heard first. */
  list(): DeviceSighting[] {
    const since = this.now() - SIGHTING_DAYS * DAY_MS;
    return [...this.entries.values()].filter((s) => s.lastContactAt >= since).reverse();
  }

  /** Writes what is pending and stops writing. */
  async close(): Promise<void> {
    this.closed = true;
    await this.file?.close();
  }

  private trim(): void {
    const since = this.now() - SIGHTING_DAYS * DAY_MS;
    for (const [device, s] of this.entries) {
      if (this.entries.size <= MAX_SIGHTINGS && s.lastContactAt >= since) break;
      this.entries.delete(device);
    }
  }
}

/** One entry of the file, checked as a device's claims are (it may be damaged); null when it does not read. */
function readSighting(raw: unknown): DeviceSighting | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const s = raw as Record<string, unknown>;
  const time = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isDeviceId(s.device) || typeof s.user !== 'string' || s.user.length === 0 || s.user.length > 200 || !time(s.lastContactAt)) return null;
  if (s.report === null || s.report === undefined) return { device: s.device, user: s.user, lastContactAt: s.lastContactAt, reportedAt: null, report: null };
  if (!time(s.reportedAt)) return null;
  try {
    return { device: s.device, user: s.user, lastContactAt: s.lastContactAt, reportedAt: s.reportedAt, report: readHeartbeat(JSON.stringify(s.report)) };
  } catch {
    return null;
  }
}
