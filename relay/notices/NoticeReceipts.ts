/**
 * Which notices each device has received, and when the relay last heard from
 * it: the "not even received" half of a notice's read-by list (the read half
 * is the `ack` lines of the NoticeLog).
 *
 * A device says how far it holds the notices three ways: `?notices=<seq>` when
 * it connects, a `noticesHeld(seq)` frame once it has stored notices up to
 * `seq`, and `noticeSeen(seq)` (reading one implies holding it). The relay
 * keeps the highest, per device, with the device's user and last contact, in
 * `<data>/notice-receipts.json`. This is a status, not an audit record: it is
 * written atomically at most once a second, and what a crash loses the
 * device says again on its next connection.
 */
import { readFile } from 'node:fs/promises';
import { ThrottledJsonFile } from '../storage/ThrottledJsonFile';

/** What the relay knows of one device's notices. */
export interface DeviceReceipt {
  readonly device: string;
  /** The user last seen on it. */
  readonly user: string;
  /** The highest seq the device said it holds (0: none). */
  readonly held: number;
  /** When the relay last heard from it (connect, a notice frame, disconnect), ms since epoch. */
  readonly lastContact: number;
  /** True while it has a `/mux` socket open. */
  readonly connected: boolean;
}

/** Options of `NoticeReceipts.open`. */
export interface NoticeReceiptsOptions {
  now?: () => number;
  /** Writes are coalesced to at most one per this long (default 1,000 ms). */
  flushMs?: number;
  /** Told about a file that could not be read or written (a failed write is tried again after flushMs, until closed). */
  onError?: (err: unknown) => void;
}

type Entry = { user: string; held: number; lastContact: number };

export class NoticeReceipts {
  private readonly entries = new Map<string, Entry>();
  private readonly open = new Map<string, number>();
  private readonly file: ThrottledJsonFile;

  private constructor(
    path: string,
    private readonly now: () => number,
    flushMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.file = new ThrottledJsonFile({ path, delayMs: flushMs, snapshot: () => ({ version: 1, devices: Object.fromEntries(this.entries) }), onError });
  }

  /** Reads `file` (a missing or unreadable one starts empty: devices say it again when they connect). */
  static async open(file: string, options: NoticeReceiptsOptions = {}): Promise<NoticeReceipts> {
    const receipts = new NoticeReceipts(file, options.now ?? Date.now, options.flushMs ?? 1_000, options.onError ?? (() => undefined));
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as { devices?: Record<string, Partial<Entry>> };
      for (const [device, e] of Object.entries(data.devices ?? {})) {
        if (typeof e.user === 'string' && Number.isSafeInteger(e.held) && Number.isFinite(e.lastContact)) {
          receipts.entries.set(device, { user: e.user, held: e.held!, lastContact: e.lastContact! });
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') receipts.onError(err);
    }
    return receipts;
  }

  /** A `/mux` socket of `device` opened; `held` is its `?notices=` (null without one). */
  connected(user: string, device: string, held: number | null): void {
    this.open.set(device, (this.open.get(device) ?? 0) + 1);
    this.heard(user, device, held ?? 0);
  }

  /** A socket of `device` closed. */
  disconnected(user: string, device: string): void {
    const n = (this.open.get(device) ?? 1) - 1;
    if (n > 0) this.open.set(device, n);
    else this.open.delete(device);
    this.heard(user, device, 0);
  }

  /** `device` holds every notice up to `seq` (noticesHeld, or a noticeSeen of `seq`). */
  heard(user: string, device: string, seq: number): void {
    const was = this.entries.get(device);
    // A device released and signed in by someone else keeps its store of notices, so `held` stays.
    this.entries.set(device, { user, held: Math.max(was?.held ?? 0, seq), lastContact: this.now() });
    this.file.schedule();
  }

  /** What is known of `device`, if it was ever heard. */
  of(device: string): DeviceReceipt | undefined {
    const e = this.entries.get(device);
    if (!e) return undefined;
    const connected = this.open.has(device);
    return { device, user: e.user, held: e.held, lastContact: connected ? this.now() : e.lastContact, connected };
  }

  /** Writes what is pending and stops writing. */
  async close(): Promise<void> {
    await this.file.close();
  }
}
