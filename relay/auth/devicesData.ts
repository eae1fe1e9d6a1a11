/**
 * The contents of `devices.json` and the pure operations on it. Both device
 * stores (file and memory) change bindings only through these functions, so
 * "first claim wins" lives in one place.
 */
import type { DeviceBinding, DeviceClaim } from './DeviceStore';
import { isDeviceId, type DeviceId } from '../../shared/model/ids';

/** The file format, version 1. */
export interface DevicesData {
  readonly version: 1;
  /** Oldest first. */
  readonly devices: readonly DeviceBinding[];
}

/** A claim waiting to be applied. */
export interface PendingClaim {
  readonly device: DeviceId;
  readonly user: string;
}

/** Thrown when devices.json cannot be understood. */
export class DevicesFileError extends Error {
  override name = 'DevicesFileError';
}

/** No device bound yet. */
export function emptyDevicesData(): DevicesData {
  return { version: 1, devices: [] };
}

/** Checks parsed JSON as devices data; throws DevicesFileError naming the problem. */
export function parseDevicesData(json: unknown): DevicesData {
  const bad = (what: string): never => {
    throw new DevicesFileError(`devices file: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('not an object');
  const o = json as Record<string, unknown>;
  if (o.version !== 1) return bad(`unknown version ${JSON.stringify(o.version)}`);
  if (!Array.isArray(o.devices)) return bad('devices must be an array');
  const seen = new Set<string>();
  o.devices.forEach((d: Record<string, unknown>, i) => {
    const ok = typeof d === 'object' && d !== null && isDeviceId(d.device) && typeof d.user === 'string' && typeof d.firstSeenAt === 'number';
    if (!ok) bad(`device ${i} needs device (a device id), user, firstSeenAt`);
    if (seen.has(d.device as string)) bad(`device ${JSON.stringify(d.device)} is listed twice`);
    seen.add(d.device as string);
  });
  return json as DevicesData;
}

/**
 * Applies `claims` in order: an unbound device goes to its claimant, a bound
 * one stays with its owner. Returns the new data (the same object when
 * nothing was bound) and one answer per claim.
 */
export function withClaims(data: DevicesData, claims: readonly PendingClaim[], now: number): { data: DevicesData; results: DeviceClaim[] } {
  const byDevice = new Map(data.devices.map((b) => [b.device as string, b]));
  const added: DeviceBinding[] = [];
  const results = claims.map((claim): DeviceClaim => {
    const held = byDevice.get(claim.device);
    if (held) return held.user === claim.user ? { ok: true, binding: held, registered: false } : { ok: false, binding: held };
    const binding: DeviceBinding = { device: claim.device, user: claim.user, firstSeenAt: now };
    byDevice.set(claim.device, binding);
    added.push(binding);
    return { ok: true, binding, registered: true };
  });
  return { data: added.length === 0 ? data : { ...data, devices: [...data.devices, ...added] }, results };
}

/** Removes the binding of `device`; `released` is null (and `data` unchanged) when it had none. */
export function withReleased(data: DevicesData, device: string): { data: DevicesData; released: DeviceBinding | null } {
  const released = data.devices.find((b) => b.device === device) ?? null;
  if (!released) return { data, released };
  return { data: { ...data, devices: data.devices.filter((b) => b !== released) }, released };
}
