/**
 * Who is writing: the context every record writer takes. On a device the
 * sequence is persisted (IndexedDB) so ids stay unique across reloads; the
 * in-memory `createAuthor` here serves tests and Node tools.
 */
import { toDeviceId, type DeviceId } from './ids';

/** The author of entries: a user on a device, with the device's clock and sequence. */
export interface Author {
  /** User id of the person signed in. */
  readonly user: string;
  /** This device's enrolled id. */
  readonly device: DeviceId;
  /** The device clock, ms since epoch. */
  now(): number;
  /**
   * The next per-device sequence number. Must never repeat for this device,
   * also across reloads: a repeated number would repeat an entry id. (As a
   * safety net, writers skip numbers whose id the record already holds.)
   */
  nextSeq(): number;
}

/** Options of `createAuthor`. */
export interface CreateAuthorOptions {
  user: string;
  device: string;
  /** The first sequence number handed out (default 1). */
  firstSeq?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

/** An author whose sequence lives in memory: for tests, tools and the relay's own writes. */
export function createAuthor(options: CreateAuthorOptions): Author {
  const device = toDeviceId(options.device);
  const user = options.user;
  if (typeof user !== 'string' || user.length === 0) throw new Error('author needs a user');
  let seq = options.firstSeq ?? 1;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`invalid first sequence number: ${seq}`);
  const now = options.now ?? Date.now;
  return {
    user,
    device,
    now: () => now(),
    nextSeq: () => seq++,
  };
}
