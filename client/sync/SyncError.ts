/**
 * The error vocabulary of the sync core: what went wrong, where, and when,
 * in words a crew lead can read off the sync screen.
 */
import { MuxErrorCode } from '../../shared/protocol/muxMessages';

/** Where an error came from. */
export const SyncErrorSource = {
  /** The socket to the relay (cannot connect, closed with a code, malformed bytes). */
  connection: 'connection',
  /** The relay said so (an `error` frame, a failing `status`). */
  relay: 'relay',
  /** This device (IndexedDB refused a write). */
  device: 'device',
} as const;
export type SyncErrorSource = (typeof SyncErrorSource)[keyof typeof SyncErrorSource];

/** One error as shown to a crew. */
export interface SyncError {
  source: SyncErrorSource;
  /** Human-readable, e.g. "storage failed: ENOSPC". */
  message: string;
  /** The relay's error code or the socket's close code, when there is one. */
  code?: number;
  /** When it happened (ms since epoch). */
  at: number;
}

/** Where the sync core reports things nobody asked about (defaults to the console). */
export interface SyncLog {
  warn(message: string, detail?: unknown): void;
}

/** The default log: `console.warn`. */
export const consoleLog: SyncLog = {
  warn: (message, detail) => console.warn(`[tally sync] ${message}`, detail ?? ''),
};

const errorNames: Record<number, string> = {
  [MuxErrorCode.storageFailed]: 'storage failed',
  [MuxErrorCode.docTooLarge]: 'document too large',
  [MuxErrorCode.permissionDenied]: 'permission denied',
  [MuxErrorCode.badDocName]: 'bad document name',
  [MuxErrorCode.missingChanges]: 'waiting for changes the relay lacks',
};

/** Turns a relay `error` frame into a message, e.g. "storage failed: ENOSPC". */
export function describeRelayError(code: number, reason: string): string {
  const name = errorNames[code] ?? `error ${code}`;
  return reason && reason !== name ? `${name}: ${reason}` : name;
}

/** True for relay errors that mean the change was refused and will never be acknowledged as sent. */
export function isRefusal(code: number): boolean {
  return code === MuxErrorCode.docTooLarge || code === MuxErrorCode.permissionDenied || code === MuxErrorCode.badDocName;
}

/**
 * True for relay errors after which the relay takes nothing more this Yjs
 * client writes in the document: a refusal, or a change built on changes the
 * relay does not hold (others' work this device carries, after a relay
 * restore or on a handheld shared by several users). Yjs changes of one
 * client are sequential, so every later change would wait behind it.
 */
export function endsClient(code: number): boolean {
  return isRefusal(code) || code === MuxErrorCode.missingChanges;
}
