/** Which devices the health page lists as not connected (relay/health/absentDevices.ts), table by table. */
import { describe, expect, it } from 'vitest';
import { absentDevices, type AbsentDevicesInput } from '../../relay/health/absentDevices';
import { MAX_SIGHTINGS, type DeviceSighting } from '../../relay/health/DeviceSightings';
import type { DeviceBinding } from '../../relay/auth/DeviceStore';
import { toDeviceId } from '../../shared/model/ids';

const NOW = 100 * 86_400_000;
const DAY = 86_400_000;
const bound = (device: string, user: string, firstSeenAt: number): DeviceBinding => ({ device: toDeviceId(device), user, firstSeenAt });
const seen = (device: string, user: string, lastContactAt: number): DeviceSighting => ({ device, user, lastContactAt, reportedAt: null, report: null });
const users: Record<string, { name: string; role: 'crew' | 'supervisor'; revoked: boolean }> = {
  u1: { name: 'Ana', role: 'crew', revoked: false },
  u2: { name: 'Bo', role: 'supervisor', revoked: true },
};
const input = (patch: Partial<AbsentDevicesInput>): AbsentDevicesInput => ({ connected: new Set(), bindings: [], sightings: [], userOf: (id) => users[id], now: NOW, ...patch });
const listed = (patch: Partial<AbsentDevicesInput>): string[] => absentDevices(input(patch)).map((d) => `${d.device}:${d.userName}:${d.lastContactAt === null ? 'never' : (NOW - d.lastContactAt) / 1000}`);

describe('absentDevices', () => {
  it.each<[string, Partial<AbsentDevicesInput>, string[]]>([
    ['nothing known', {}, []],
    ['heard devices, most recently heard first', { sightings: [seen('a', 'u1', NOW - 3_600_000), seen('b', 'u2', NOW - 60_000)] }, ['b:Bo:60', 'a:Ana:3600']],
    ['a connected device is left out', { connected: new Set(['a']), sightings: [seen('a', 'u1', NOW - 1_000)], bindings: [bound('a', 'u1', NOW - DAY)] }, []],
    ['enrolled, never heard: after the heard ones, newest enrolment first', { sightings: [seen('a', 'u1', NOW - 1_000)], bindings: [bound('old', 'u1', NOW - 2 * DAY), bound('new', 'u2', NOW - DAY), bound('a', 'u1', NOW - 3 * DAY)] }, ['a:Ana:1', 'new:Bo:never', 'old:Ana:never']],
    ['heard 31 days ago, or enrolled then and never heard: left out', { sightings: [seen('a', 'u1', NOW - 31 * DAY)], bindings: [bound('b', 'u1', NOW - 31 * DAY)] }, []],
    ['released and enrolled to another user after it was last heard: listed for the new user, never heard', { sightings: [seen('a', 'u1', NOW - 2 * DAY)], bindings: [bound('a', 'u2', NOW - DAY)] }, ['a:Bo:never']],
    ['released and not enrolled again: listed as last heard', { sightings: [seen('a', 'u1', NOW - DAY)] }, ['a:Ana:86400']],
    ['a user the relay no longer knows: named by id', { sightings: [seen('a', 'u9', NOW - 1_000)] }, ['a:u9:1']],
  ])('%s', (_what, patch, expected) => {
    expect(listed(patch)).toEqual(expected);
  });

  it('says who, their role, whether revoked, and when it was enrolled to them', () => {
    const [a, b] = absentDevices(input({ sightings: [seen('a', 'u1', NOW - 1_000), seen('b', 'u9', NOW - 2_000)], bindings: [bound('a', 'u1', NOW - DAY), bound('b', 'u2', NOW - 3 * DAY)] }));
    expect(a).toMatchObject({ device: 'a', user: 'u1', userName: 'Ana', role: 'crew', revoked: false, enrolledAt: NOW - DAY });
    // Enrolled to Bo before the unknown user's last contact: listed as heard, not as Bo's enrolment.
    expect(b).toMatchObject({ device: 'b', user: 'u9', userName: 'u9', role: null, revoked: false, enrolledAt: null });
  });

  it(`lists at most ${MAX_SIGHTINGS}`, () => {
    const sightings = Array.from({ length: MAX_SIGHTINGS + 5 }, (_, i) => seen(`d${i}`, 'u1', NOW - i * 1_000));
    const bindings = [bound('never', 'u1', NOW - DAY)];
    const out = absentDevices(input({ sightings, bindings }));
    expect(out).toHaveLength(MAX_SIGHTINGS);
    expect(out[0]!.device).toBe('d0');
    expect(out.some((d) => d.device === 'never')).toBe(false);
  });
});
