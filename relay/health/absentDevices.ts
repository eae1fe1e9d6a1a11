/**
 * Which devices the health page lists as not connected now: those the relay
 * heard from (DeviceSightings) and those enrolled to a user (the device
 * store), in the past SIGHTING_DAYS, at most MAX_SIGHTINGS. A pure function
 * over plain data.
 */
import type { AbsentDevice } from '../../shared/health/siteHealth';
import type { Role } from '../../shared/auth/roles';
import type { DeviceBinding } from '../auth/DeviceStore';
import { MAX_SIGHTINGS, SIGHTING_DAYS, type DeviceSighting } from './DeviceSightings';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `absentDevices` lists from. */
export interface AbsentDevicesInput {
  /** Device ids with a `/mux` socket open now (left out). */
  connected: ReadonlySet<string>;
  /** Every device binding (DeviceStore.list). */
  bindings: readonly DeviceBinding[];
  /** Every sighting (DeviceSightings.list). */
  sightings: readonly DeviceSighting[];
  /** A user as the relay knows them now (undefined: unknown). */
  userOf(id: string): { name: string; role: Role; revoked: boolean } | undefined;
  now: number;
}

/** The devices not connected now, most recently heard from first; those never heard from after, newest enrolment first. */
export function absentDevices(input: AbsentDevicesInput): AbsentDevice[] {
  const since = input.now - SIGHTING_DAYS * DAY_MS;
  const bindingOf = new Map(input.bindings.map((b) => [b.device as string, b]));
  const heard: AbsentDevice[] = [];
  const listed = new Set<string>();
  for (const s of [...input.sightings].sort((a, b) => b.lastContactAt - a.lastContactAt)) {
    if (s.lastContactAt < since || input.connected.has(s.device) || listed.has(s.device)) continue;
    listed.add(s.device);
    const binding = bindingOf.get(s.device);
    // Released and enrolled to someone else after it was last heard: that user has not used it yet.
    if (binding && binding.user !== s.user && binding.firstSeenAt > s.lastContactAt) continue;
    heard.push(entry(input, s.device, s.user, binding, s));
  }
  const heardIds = new Set(heard.map((d) => d.device));
  const neverHeard = input.bindings
    .filter((b) => b.firstSeenAt >= since && !input.connected.has(b.device) && !heardIds.has(b.device))
    .sort((a, b) => b.firstSeenAt - a.firstSeenAt)
    .map((b) => entry(input, b.device, b.user, b, null));
  return [...heard, ...neverHeard].slice(0, MAX_SIGHTINGS);
}

function entry(input: AbsentDevicesInput, device: string, user: string, binding: DeviceBinding | undefined, s: DeviceSighting | null): AbsentDevice {
  const known = input.userOf(user);
  return {
    device,
    user,
    userName: known?.name ?? user,
    role: known?.role ?? null,
    revoked: known?.revoked ?? false,
    lastContactAt: s?.lastContactAt ?? null,
    enrolledAt: binding && binding.user === user ? binding.firstSeenAt : null,
    reportedAt: s?.reportedAt ?? null,
    report: s?.report ?? null,
  };
}
