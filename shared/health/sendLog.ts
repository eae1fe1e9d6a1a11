/**
 * A device's send log: its last 1,000 attempts to hand a change to the relay,
 * each with what became of it, so "the app said it was sent" is settled by
 * evidence. The device keeps it (client/sync/SendLog.ts), reports its
 * summary with every heartbeat and sends it whole when an admin asks
 * (PROTOCOL.md §5). The summary is a pure function of the attempts.
 */
import { claimObject, ClaimError, list, oneOf, parseClaim, text, textOrNull, wholeNumber, wholeNumberOrNull, objectOrNull, type Claim } from './claims';

/** Attempts a device keeps (a ring: the oldest goes when the 1,001st is made). */
export const SEND_LOG_CAPACITY = 1000;

/** What became of one attempt. */
export const SendResult = {
  /** Sent; no answer yet. */
  sent: 'sent',
  /** The relay acknowledged it: on the relay's disk. */
  acked: 'acked',
  /** Still unanswered when the watchdog gave up waiting (the document is stuck). */
  timedOut: 'timedOut',
  /** The relay refused it, with a code and reason. */
  refused: 'refused',
  /** The connection closed before an answer; what it carried is sent again on the next one. */
  disconnected: 'disconnected',
} as const;
export type SendResult = (typeof SendResult)[keyof typeof SendResult];
export const SEND_RESULTS = Object.values(SendResult);

/** One attempt to hand a document's changes to the relay. */
export interface SendAttempt {
  /** The device's number for it, one more per attempt (the log's order). */
  id: number;
  /** The document, e.g. `record:R-1`. */
  doc: string;
  /** The change id: the document's change number sent; the attempt carries its changes up to it. */
  changeNo: number;
  /** Bytes of the update sent. */
  bytes: number;
  /** Device time of the newest change it carries (ms), also after a reload when an earlier attempt carried it; null when unknown. */
  changeAt: number | null;
  /** Device time of the attempt (ms). */
  sentAt: number;
  result: SendResult;
  /** When the result became known (null while `sent`). */
  resultAt: number | null;
  /** When the watchdog gave up waiting, kept when an ack came later (null: it never did). */
  timedOutAt: number | null;
  /** For `refused`: the relay's error code (PROTOCOL.md §2) and its reason. */
  code: number | null;
  reason: string | null;
}

/** Attempts by what became of them. `timedOut` counts every attempt the watchdog gave up on, also those acked later. */
export interface ResultCounts {
  acked: number;
  /** Sent or timed out, no answer yet. */
  waiting: number;
  timedOut: number;
  refused: number;
  disconnected: number;
}

/** What a device reports of its send log with each heartbeat. */
export interface SendLogSummary {
  /** Attempts the log holds. */
  attempts: number;
  /** Attempts made in the last hour and the last day (by device time), by result. */
  lastHour: ResultCounts;
  lastDay: ResultCounts;
  /** The oldest attempt still waiting for an answer. */
  oldestUnacked: { doc: string; changeNo: number; sentAt: number } | null;
  /** The most recent refusal. */
  lastRefusal: { doc: string; changeNo: number; code: number; reason: string; at: number } | null;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

const noCounts = (): ResultCounts => ({ acked: 0, waiting: 0, timedOut: 0, refused: 0, disconnected: 0 });

/** True while an attempt has no final answer. */
export function isWaiting(a: Pick<SendAttempt, 'result'>): boolean {
  return a.result === SendResult.sent || a.result === SendResult.timedOut;
}

/** The summary of `attempts` at device time `now`. */
export function summarizeSendLog(attempts: readonly SendAttempt[], now: number): SendLogSummary {
  const lastHour = noCounts();
  const lastDay = noCounts();
  let oldestUnacked: SendLogSummary['oldestUnacked'] = null;
  let lastRefusal: SendLogSummary['lastRefusal'] = null;
  for (const a of attempts) {
    const age = now - a.sentAt;
    if (age < DAY_MS) count(lastDay, a);
    if (age < HOUR_MS) count(lastHour, a);
    if (isWaiting(a) && (oldestUnacked === null || a.sentAt < oldestUnacked.sentAt)) {
      oldestUnacked = { doc: a.doc, changeNo: a.changeNo, sentAt: a.sentAt };
    }
    if (a.result === SendResult.refused) {
      const at = a.resultAt ?? a.sentAt;
      if (lastRefusal === null || at > lastRefusal.at) lastRefusal = { doc: a.doc, changeNo: a.changeNo, code: a.code ?? 0, reason: a.reason ?? '', at };
    }
  }
  return { attempts: attempts.length, lastHour, lastDay, oldestUnacked, lastRefusal };
}

function count(counts: ResultCounts, a: SendAttempt): void {
  if (isWaiting(a)) counts.waiting++;
  else counts[a.result as 'acked' | 'refused' | 'disconnected']++;
  if (a.timedOutAt !== null) counts.timedOut++;
}

// Reading a device's claims (the relay). Bounds: a document name is at most
// 200 characters (shared/protocol/docNames), a reason at most 500.
const MAX_NUMBER = Number.MAX_SAFE_INTEGER;
const MAX_DOC = 200;
const MAX_REASON = 500;
/** Largest `sendLog` JSON a relay reads: 1,000 attempts of the longest fields. */
export const MAX_SEND_LOG_CHARS = SEND_LOG_CAPACITY * 1024;

/** Reads one attempt a device sent. */
export function readSendAttempt(c: Claim): SendAttempt {
  return {
    id: wholeNumber(c, 'id', MAX_NUMBER),
    doc: text(c, 'doc', MAX_DOC),
    changeNo: wholeNumber(c, 'changeNo', MAX_NUMBER),
    bytes: wholeNumber(c, 'bytes', MAX_NUMBER),
    changeAt: wholeNumberOrNull(c, 'changeAt', MAX_NUMBER),
    sentAt: wholeNumber(c, 'sentAt', MAX_NUMBER),
    result: oneOf(c, 'result', SEND_RESULTS),
    resultAt: wholeNumberOrNull(c, 'resultAt', MAX_NUMBER),
    timedOutAt: wholeNumberOrNull(c, 'timedOutAt', MAX_NUMBER),
    code: wholeNumberOrNull(c, 'code', 65535),
    reason: textOrNull(c, 'reason', MAX_REASON),
  };
}

/** Reads a whole log a device sent (`{"attempts":[...]}`, at most 1,000); throws ClaimError. */
export function readSendLog(json: string): SendAttempt[] {
  return list(parseClaim(json, 'send log', MAX_SEND_LOG_CHARS), 'attempts', SEND_LOG_CAPACITY, readSendAttempt);
}

function readCounts(c: Claim): ResultCounts {
  return {
    acked: wholeNumber(c, 'acked', SEND_LOG_CAPACITY),
    waiting: wholeNumber(c, 'waiting', SEND_LOG_CAPACITY),
    timedOut: wholeNumber(c, 'timedOut', SEND_LOG_CAPACITY),
    refused: wholeNumber(c, 'refused', SEND_LOG_CAPACITY),
    disconnected: wholeNumber(c, 'disconnected', SEND_LOG_CAPACITY),
  };
}

/** Reads the summary a device reported. */
export function readSendLogSummary(value: unknown): SendLogSummary {
  const c = claimObject(value, 'sendLog');
  const within = (field: string): ResultCounts => {
    const inner = objectOrNull(c, field, readCounts);
    if (inner === null) throw new ClaimError(`${field} must be an object`);
    return inner;
  };
  return {
    attempts: wholeNumber(c, 'attempts', SEND_LOG_CAPACITY),
    lastHour: within('lastHour'),
    lastDay: within('lastDay'),
    oldestUnacked: objectOrNull(c, 'oldestUnacked', (o) => ({ doc: text(o, 'doc', MAX_DOC), changeNo: wholeNumber(o, 'changeNo', MAX_NUMBER), sentAt: wholeNumber(o, 'sentAt', MAX_NUMBER) })),
    lastRefusal: objectOrNull(c, 'lastRefusal', (o) => ({
      doc: text(o, 'doc', MAX_DOC),
      changeNo: wholeNumber(o, 'changeNo', MAX_NUMBER),
      code: wholeNumber(o, 'code', 65535),
      reason: text(o, 'reason', MAX_REASON),
      at: wholeNumber(o, 'at', MAX_NUMBER),
    })),
  };
}
