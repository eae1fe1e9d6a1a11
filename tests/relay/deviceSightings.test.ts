/**
 * What the relay remembers of devices once they are gone
 * (relay/health/DeviceSightings.ts), in a real file in a temp folder: written
 * on close and read back, a damaged or stale entry dropped, bounded.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceSightings, MAX_SIGHTINGS, SIGHTING_DAYS, type DeviceSighting } from '../../relay/health/DeviceSightings';
import { summarizeSendLog } from '../../shared/health/sendLog';
import type { DeviceHeartbeat } from '../../shared/health/heartbeat';

const NOW = 1_800_000_000_000;
const report: DeviceHeartbeat = { pending: 4, docsWithPending: 2, openDocs: 3, notSavedOnDevice: 0, stuckCount: 0, stuck: [], lastError: null, sendLog: summarizeSendLog([], 0), at: NOW - 5 };
const sighting = (device: string, lastContactAt: number, withReport = true): DeviceSighting => ({ device, user: 'u1', lastContactAt, reportedAt: withReport ? lastContactAt : null, report: withReport ? report : null });

describe('DeviceSightings', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-sightings-'));
    file = path.join(dir, 'device-sightings.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes what it was told on close and reads it back, most recently heard first', async () => {
    const a = await DeviceSightings.open(file, { now: () => NOW, flushMs: 60_000 });
    a.seen(sighting('ann-handheld', NOW - 3_600_000));
    a.seen(sighting('bo-phone', NOW - 60_000, false));
    a.seen(sighting('ann-handheld', NOW - 1_000));
    await a.close();
    const b = await DeviceSightings.open(file, { now: () => NOW });
    expect(b.list()).toEqual([sighting('ann-handheld', NOW - 1_000), sighting('bo-phone', NOW - 60_000, false)]);
    await b.close();
  });

  it('drops entries that do not read and devices not heard in the window, and says the file was damaged', async () => {
    const old = NOW - (SIGHTING_DAYS + 1) * 86_400_000;
    const devices = [
      sighting('good', NOW - 1_000),
      { ...sighting('bad-report', NOW - 1_000), report: { ...report, pending: -1 } },
      { ...sighting('no-user', NOW - 1_000), user: 7 },
      { ...sighting('bad id!', NOW - 1_000) },
      sighting('stale', old),
    ];
    await writeFile(file, JSON.stringify({ version: 1, devices }));
    const s = await DeviceSightings.open(file, { now: () => NOW });
    expect(s.list().map((d) => d.device)).toEqual(['good']);
    await s.close();

    await writeFile(file, '{"version": 1, "devices": [');
    const errors: unknown[] = [];
    const damaged = await DeviceSightings.open(file, { now: () => NOW, onError: (err) => errors.push(err) });
    expect(damaged.list()).toEqual([]);
    expect(errors).toHaveLength(1);
    await damaged.close();
  });

  it(`keeps the ${MAX_SIGHTINGS} devices heard most recently`, async () => {
    const s = await DeviceSightings.open(file, { now: () => NOW, flushMs: 60_000 });
    for (let i = 0; i < MAX_SIGHTINGS + 3; i++) s.seen(sighting(`d${i}`, NOW - 10_000 + i, false));
    await s.close();
    const written = JSON.parse(await readFile(file, 'utf8')) as { devices: DeviceSighting[] };
    expect(written.devices).toHaveLength(MAX_SIGHTINGS);
    expect(written.devices[0]!.device).toBe('d3');
    expect(s.list()[0]!.device).toBe(`d${MAX_SIGHTINGS + 2}`);
  });
});
