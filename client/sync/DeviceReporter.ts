/**
 * The device's side of the health page: a `heartbeat` frame (PROTOCOL.md §5)
 * with its pending work, sync state and send-log summary, sent when the
 * socket opens, every `intervalMs` while it stays open, and soon after the
 * sync state changes (at most once per `minGapMs`); and the whole send log
 * when the relay asks for it on an admin's behalf.
 */
import type { DeviceHeartbeat } from '../../shared/health/heartbeat';
import { MAX_STUCK_LISTED } from '../../shared/health/heartbeat';
import type { SendLogSummary } from '../../shared/health/sendLog';
import { writeHeartbeatFrame, writeSendLogFrame } from '../../shared/protocol/muxMessages';
import type { MuxConnection } from './MuxConnection';
import type { SendLog } from './SendLog';
import type { SyncStatus, SyncStatusSnapshot } from './SyncStatus';

/** Options of a DeviceReporter. */
export interface DeviceReporterOptions {
  connection: MuxConnection;
  status: SyncStatus;
  sendLog: SendLog;
  /** A heartbeat at least this often while connected (default 20 s). */
  intervalMs?: number;
  /** Heartbeats after sync-state changes at most this often (default 2 s). */
  minGapMs?: number;
  now?: () => number;
}

/** See the module comment. */
export class DeviceReporter {
  private readonly connection: MuxConnection;
  private readonly status: SyncStatus;
  private readonly sendLog: SendLog;
  private readonly intervalMs: number;
  private readonly minGapMs: number;
  private readonly now: () => number;
  private readonly offs: Array<() => void>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the scheduled heartbeat is due. */
  private dueAt = 0;
  private lastSentAt = 0;
  private wasOnline = false;

  constructor(options: DeviceReporterOptions) {
    this.connection = options.connection;
    this.status = options.status;
    this.sendLog = options.sendLog;
    this.intervalMs = options.intervalMs ?? 20_000;
    this.minGapMs = options.minGapMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.offs = [
      this.connection.subscribe(() => this.onConnection()),
      this.status.subscribe(() => this.schedule(this.minGapMs)),
      this.connection.attachRequests((frame) => void this.answerSendLog(frame.requestId)),
    ];
  }

  /** Stops reporting; removes every listener and timer it added. */
  destroy(): void {
    for (const off of this.offs.splice(0)) off();
    this.clearTimer();
  }

  /** True while a heartbeat is scheduled (tests check destroy leaves none). */
  get hasTimer(): boolean {
    return this.timer !== null;
  }

  private onConnection(): void {
    const online = this.connection.online;
    if (online && !this.wasOnline) this.send();
    else if (!online) this.clearTimer();
    this.wasOnline = online;
  }

  /** Sends a heartbeat `gapMs` after the last one (now if that has passed), unless one is due sooner. */
  private schedule(gapMs: number): void {
    if (!this.connection.online) return;
    const dueAt = this.lastSentAt + gapMs;
    if (this.timer !== null && this.dueAt <= dueAt) return;
    this.clearTimer();
    this.dueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
    }, Math.max(0, dueAt - this.now()));
  }

  private send(): void {
    this.clearTimer();
    const heartbeat = heartbeatOf(this.status.get(), this.sendLog.summary(), this.now());
    if (this.connection.send(writeHeartbeatFrame(JSON.stringify(heartbeat)))) this.lastSentAt = this.now();
    this.schedule(this.intervalMs);
  }

  private async answerSendLog(requestId: number): Promise<void> {
    await this.sendLog.whenLoaded;
    this.connection.send(writeSendLogFrame(requestId, JSON.stringify({ attempts: this.sendLog.entries() })));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The heartbeat of a device whose sync status is `s` and send log sums up to `sendLog`, at `now`. */
export function heartbeatOf(s: SyncStatusSnapshot, sendLog: SendLogSummary, now: number): DeviceHeartbeat {
  return {
    pending: s.pendingTotal,
    docsWithPending: s.docsWithPending.length,
    openDocs: s.openDocs,
    notSavedOnDevice: s.notSavedOnDevice.length,
    stuckCount: s.stuckDocs.length,
    stuck: s.stuckDocs.slice(0, MAX_STUCK_LISTED).map(({ doc, reason }) => ({ doc, reason: reason.slice(0, 500) })),
    lastError: s.lastError && { message: s.lastError.message.slice(0, 500), at: Math.round(s.lastError.at) },
    sendLog,
    at: Math.round(now),
  };
}
