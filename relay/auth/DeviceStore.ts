/**
 * Which user each device belongs to. A device id appears in every entry the
 * device makes (`<device>:<seq>`), so a token must not be able to speak for
 * a device of somebody else: the first user to name a device (at enrolment,
 * or on its first authenticated connection) owns it until an admin releases
 * it. Revoking a user keeps their devices bound to them.
 *
 * Implementations: `FileDeviceStore` (relay/auth, the real one:
 * `<dataDir>/devices.json`, shared with the users CLI) and
 * `MemoryDeviceStore` (tests). Both run the acceptance suite in
 * tests/auth/deviceStoreAcceptance.ts.
 */
import type { DeviceId } from '../../shared/model/ids';

/** A device and the user it belongs to. */
export interface DeviceBinding {
  readonly device: DeviceId;
  /** The owner's user id. */
  readonly user: string;
  /** When the device was first bound (ms since epoch). */
  readonly firstSeenAt: number;
}

/** What `claim` decided. */
export type DeviceClaim =
  /** The device is (now, or already was) the claimant's; `registered` when this claim bound it. */
  | { readonly ok: true; readonly binding: DeviceBinding; readonly registered: boolean }
  /** The device belongs to someone else. */
  | { readonly ok: false; readonly binding: DeviceBinding };

/** The relay's device bindings. */
export interface DeviceStore {
  /**
   * The binding of `device` in the store's current snapshot, if any. Cheap
   * and synchronous, for the relay's fast path; it can lag behind a release
   * made by another process, so a refusal is decided by `claim`.
   */
  ownerOf(device: string): DeviceBinding | undefined;

  /**
   * Binds `device` to `user` unless another user owns it, reading the
   * freshest bindings first. Resolves once the answer is durable (a new
   * binding is on disk). Throws when the store cannot be read or written.
   */
  claim(device: DeviceId, user: string): Promise<DeviceClaim>;

  /** Removes the binding of `device`, so the next user to name it gets it; the removed binding, or null when it had none. */
  release(device: string): Promise<DeviceBinding | null>;

  /** Every binding, oldest first. */
  list(): readonly DeviceBinding[];

  /** Releases timers and files; the store must not be used afterwards. */
  close(): Promise<void>;
}
