/**
 * A device's send log and heartbeat in words, for the Site health screen:
 * what became of each attempt, the summary a device reports, and where its
 * sync stands. Pure, so the words are tested without a browser.
 */
import { describeRelayError } from '../../../client/sync/SyncError';
import type { DeviceHeartbeat } from '../../../shared/health/heartbeat';
import type { ResultCounts, SendAttempt, SendLogSummary } from '../../../shared/health/sendLog';
import { plural, preciseTime } from './format';

/** "0.2 s", "45 s", "3 min", "2 h". */
export function durationText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** What became of one attempt, e.g. "acknowledged after 0.2 s", "refused: permission denied: auditor may not write (code 3)". */
export function attemptResultText(a: SendAttempt): string {
  const after = a.resultAt === null ? '' : ` after ${durationText(a.resultAt - a.sentAt)}`;
  const timedOut = a.timedOutAt === null ? '' : `timed out after ${durationText(a.timedOutAt - a.sentAt)}, then `;
  switch (a.result) {
    case 'acked':
      return `${timedOut}acknowledged${after}`;
    case 'sent':
      return 'sent, no answer yet';
    case 'timedOut':
      return `timed out after ${durationText((a.timedOutAt ?? a.sentAt) - a.sentAt)}, no answer yet`;
    case 'refused':
      return `${timedOut}refused: ${describeRelayError(a.code ?? 0, a.reason ?? '')} (code ${a.code ?? '?'})`;
    case 'disconnected':
      return `${timedOut}connection lost before an answer${after}; sent again on the next connection`;
  }
}

/** "change 7 of record:R-1 (312 bytes), made 14:05:09". */
export function attemptText(a: SendAttempt): string {
  const made = a.changeAt === null ? 'made before a reload (time unknown)' : `made ${preciseTime(a.changeAt)}`;
  return `change ${a.changeNo} of ${a.doc} (${a.bytes} bytes), ${made}`;
}

/** "12 acknowledged, 1 waiting, 2 timed out, 0 refused, 1 cut off" (only what is there; "no attempts" when none). */
export function countsText(c: ResultCounts): string {
  const parts = [
    c.acked > 0 && `${c.acked} acknowledged`,
    c.waiting > 0 && `${c.waiting} waiting`,
    c.timedOut > 0 && `${c.timedOut} timed out`,
    c.refused > 0 && `${c.refused} refused`,
    c.disconnected > 0 && `${c.disconnected} cut off by a lost connection`,
  ].filter((p): p is string => p !== false);
  return parts.length > 0 ? parts.join(', ') : 'no attempts';
}

/** The summary's lines, in words. */
export function summaryLines(s: SendLogSummary): string[] {
  const lines = [`Last hour: ${countsText(s.lastHour)}.`, `Last day: ${countsText(s.lastDay)}.`];
  if (s.oldestUnacked) lines.push(`Oldest unacknowledged: change ${s.oldestUnacked.changeNo} of ${s.oldestUnacked.doc}, sent ${preciseTime(s.oldestUnacked.sentAt)}.`);
  if (s.lastRefusal) {
    const r = s.lastRefusal;
    lines.push(`Last refusal: change ${r.changeNo} of ${r.doc}, ${preciseTime(r.at)}: ${describeRelayError(r.code, r.reason)} (code ${r.code}).`);
  }
  lines.push(`${plural(s.attempts, 'attempt')} in the log.`);
  return lines;
}

/** Where a device's work stands, e.g. "3 changes waiting in 1 record", "nothing waiting: all on the relay". */
export function pendingText(r: DeviceHeartbeat): string {
  const unsaved = r.notSavedOnDevice > 0 ? `; ${plural(r.notSavedOnDevice, 'record')} not yet saved on the device` : '';
  if (r.pending === 0) return `nothing waiting: all on the relay${unsaved}`;
  return `${plural(r.pending, 'change')} waiting in ${plural(r.docsWithPending, 'record')}${unsaved}`;
}

/** "Stuck: 2 records" or "syncing normally". */
export function syncStateText(r: DeviceHeartbeat): string {
  if (r.stuckCount === 0) return 'syncing normally';
  return `stuck: ${plural(r.stuckCount, 'record')}`;
}
