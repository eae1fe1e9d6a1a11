/**
 * This device's identity and its entry sequence: a device id made once and
 * kept, and a per-device counter that hands out entry sequence numbers that
 * never repeat, also across reloads (PRODUCT.md rule 3). Both live in
 * localStorage, which is synchronous: `Author.nextSeq()` must answer at once,
 * inside the transaction that writes the entry.
 */
import { isDeviceId, type Author, type DeviceId } from '../../../shared/model';
import type { KeyValueStore } from '../../sync';

// One type for the device's synchronous storage, defined beside the sync layer that uses it too (tests pass a Map-backed one).
export type { KeyValueStore };

const DEVICE_KEY = 'tally.device';

/**
 * A random UUID. `crypto.randomUUID` exists only in secure contexts (https,
 * localhost); on plain http over a LAN address the fallback builds a v4 UUID
 * from `crypto.getRandomValues`, which every context has.
 */
export function randomId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Which user took over the id made before ids were per user. */
const LEGACY_OWNER_KEY = 'tally.device.legacyOwner';

/**
 * This device's id for `user`: made on first use and kept for good. The relay
 * binds a device id to one user, so a handheld shared by several people gives
 * each of them an id of their own (and their own entry sequence); the first
 * to sign in keeps an id made before ids were per user.
 */
export function deviceIdFor(user: string, store: KeyValueStore = localStorage): DeviceId {
  const key = `tally.device.${user}`;
  const held = store.getItem(key);
  if (isDeviceId(held)) return held;
  const legacy = store.getItem(DEVICE_KEY);
  const takeLegacy = isDeviceId(legacy) && store.getItem(LEGACY_OWNER_KEY) === null;
  if (takeLegacy) store.setItem(LEGACY_OWNER_KEY, user);
  const made = takeLegacy ? legacy : randomId();
  store.setItem(key, made);
  return made as DeviceId;
}

/**
 * The device's entry sequence. Each number is written back before it is
 * handed out, so a reload or a killed tab never hands out the same number
 * twice (a gap is harmless; the record writers also skip ids already taken).
 */
export class SeqCounter {
  private readonly key: string;

  constructor(
    device: string,
    private readonly store: KeyValueStore = localStorage,
  ) {
    this.key = `tally.seq.${device}`;
  }

  /** The last number handed out (0 before the first). */
  get last(): number {
    const n = Number(this.store.getItem(this.key));
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  }

  /** The next number, stored before it is returned. */
  next(): number {
    const n = this.last + 1;
    this.store.setItem(this.key, String(n));
    return n;
  }
}

/** The author of this device's entries: the signed-in user, the device id, the clock and the persisted sequence. */
export function deviceAuthor(user: string, device: DeviceId, seq: SeqCounter, now: () => number = Date.now): Author {
  return { user, device, now: () => now(), nextSeq: () => seq.next() };
}
