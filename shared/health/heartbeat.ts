/**
 * What a device reports about itself with its heartbeat (mux `heartbeat`
 * frame, PROTOCOL.md §5): the work it holds that the relay has not
 * acknowledged, where its sync stands (stuck documents with the watchdog's
 * reason), and its send log's summary. Who sent it is never in it: the relay
 * takes user and device from the authenticated connection.
 */
import { ClaimError, list, objectOrNull, parseClaim, text, wholeNumber, type Claim } from './claims';
import { readSendLogSummary, type SendLogSummary } from './sendLog';

/** Stuck documents a heartbeat names (the count says how many there are in all). */
export const MAX_STUCK_LISTED = 20;
/** Largest heartbeat JSON a relay reads. */
export const MAX_HEARTBEAT_CHARS = 16 * 1024;

/** A device's report of itself. */
export interface DeviceHeartbeat {
  /** Local changes the relay has not acknowledged, over every open document. */
  pending: number;
  /** Documents with such changes. */
  docsWithPending: number;
  /** Documents open (synced) on the device. */
  openDocs: number;
  /** Open documents whose device copy is not yet fully saved on the device. */
  notSavedOnDevice: number;
  /** Documents stuck, in all. */
  stuckCount: number;
  /** Up to 20 of them, with the watchdog's (or the refusal's) reason. */
  stuck: Array<{ doc: string; reason: string }>;
  /** The device's most recent sync error. */
  lastError: { message: string; at: number } | null;
  sendLog: SendLogSummary;
  /** The device's clock when it reported (ms): a clock far off the relay's explains odd times. */
  at: number;
}

const MAX_COUNT = 1_000_000_000;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** Reads a heartbeat's JSON; throws ClaimError naming the first field that is wrong. */
export function readHeartbeat(json: string): DeviceHeartbeat {
  const c = parseClaim(json, 'heartbeat', MAX_HEARTBEAT_CHARS);
  const heartbeat: DeviceHeartbeat = {
    pending: wholeNumber(c, 'pending', MAX_COUNT),
    docsWithPending: wholeNumber(c, 'docsWithPending', MAX_COUNT),
    openDocs: wholeNumber(c, 'openDocs', MAX_COUNT),
    notSavedOnDevice: wholeNumber(c, 'notSavedOnDevice', MAX_COUNT),
    stuckCount: wholeNumber(c, 'stuckCount', MAX_COUNT),
    stuck: list(c, 'stuck', MAX_STUCK_LISTED, (s: Claim) => ({ doc: text(s, 'doc', 200), reason: text(s, 'reason', 500) })),
    lastError: objectOrNull(c, 'lastError', (e) => ({ message: text(e, 'message', 500), at: wholeNumber(e, 'at', MAX_TIME) })),
    sendLog: readSendLogSummary(Object.hasOwn(c, 'sendLog') ? c.sendLog : undefined),
    at: wholeNumber(c, 'at', MAX_TIME),
  };
  if (heartbeat.stuck.length > heartbeat.stuckCount) throw new ClaimError('stuck lists more documents than stuckCount says');
  // docsWithPending may exceed openDocs: records offered again after a restore are pending, not open.
  return heartbeat;
}
