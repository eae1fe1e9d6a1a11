/**
 * The device check at the door: a connection that names a device must be
 * that device's owner. A device the user already owns passes at once, from
 * the store's snapshot; anything else is claimed (read fresh, bound if free,
 * written durably) before the connection is admitted, so an entry's `device`
 * can only be one of the sender's own devices.
 */
import type { DeviceStore } from './DeviceStore';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { DeviceId } from '../../shared/model/ids';
import type { RelayLog } from '../log';
import type { Principal } from '../net/Principal';

/** What the gate decided about a connection's device. */
export type DeviceVerdict =
  | { readonly ok: true; /** True when this connection bound the device to its user. */ readonly registered: boolean }
  | { readonly ok: false; readonly close: { readonly code: number; readonly reason: string }; readonly detail: string };

const ADMITTED: DeviceVerdict = { ok: true, registered: false };

/** The reason a device of someone else is refused with (close reason and API error). */
export function deviceTakenReason(device: string): string {
  return `device ${device} is enrolled to another user`;
}

/**
 * Decides whether `principal` may use the device it named. Synchronous when
 * the snapshot already says yes (or there is no device to check); otherwise
 * a promise that never rejects: a store that cannot be read or written
 * refuses with 1011 ("try again") and logs why.
 */
export function checkDevice(devices: DeviceStore, principal: Principal, log: RelayLog): DeviceVerdict | Promise<DeviceVerdict> {
  const { device, user } = principal;
  if (principal.open || device === null) return ADMITTED;
  if (devices.ownerOf(device)?.user === user) return ADMITTED;
  return devices.claim(device as DeviceId, user).then(
    (claim): DeviceVerdict => {
      if (claim.ok) {
        if (claim.registered) log.info({ user, device }, 'device registered on first use');
        return { ok: true, registered: claim.registered };
      }
      log.warn({ user, device, owner: claim.binding.user }, 'refused a device enrolled to another user');
      const reason = deviceTakenReason(device);
      return { ok: false, close: { code: CloseCode.forbidden.code, reason }, detail: reason };
    },
    (error: unknown): DeviceVerdict => {
      log.error({ user, device, err: String(error) }, 'device registry failed: connection refused');
      return { ok: false, close: CloseCode.internalError, detail: String(error) };
    },
  );
}
