import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoticeReceipts } from '../../relay/notices/NoticeReceipts';
import { eventually } from '../support/eventually';

describe('NoticeReceipts', () => {
  let dir: string;
  let file: string;
  let now = 1_000;
  const clock = () => now;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-receipts-'));
    file = path.join(dir, 'notice-receipts.json');
    now = 1_000;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the highest seq a device said it holds, its user and last contact; connected while a socket is open', async () => {
    const r = await NoticeReceipts.open(file, { now: clock, flushMs: 10 });
    r.connected('ann', 'ann-phone', 4);
    now = 2_000;
    r.heard('ann', 'ann-phone', 2);
    expect(r.of('ann-phone')).toEqual({ device: 'ann-phone', user: 'ann', held: 4, lastContact: 2_000, connected: true });
    now = 3_000;
    r.connected('ann', 'ann-phone', null); // a second socket of the same device
    r.disconnected('ann', 'ann-phone');
    expect(r.of('ann-phone')?.connected).toBe(true);
    r.disconnected('ann', 'ann-phone');
    now = 9_000;
    expect(r.of('ann-phone')).toEqual({ device: 'ann-phone', user: 'ann', held: 4, lastContact: 3_000, connected: false });
    expect(r.of('bob-phone')).toBeUndefined();
    await r.close();
  });

  it('writes at most once per flush interval and reads it back; what close() had pending is on disk', async () => {
    const r = await NoticeReceipts.open(file, { now: clock, flushMs: 60_000 });
    for (let seq = 1; seq <= 50; seq++) r.heard('ann', 'ann-phone', seq);
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
    await r.close();
    const again = await NoticeReceipts.open(file, { now: clock });
    expect(again.of('ann-phone')).toMatchObject({ held: 50, user: 'ann', connected: false });
    await again.close();
  });

  it('writes by itself after the flush interval', async () => {
    const r = await NoticeReceipts.open(file, { now: clock, flushMs: 20 });
    r.heard('bob', 'bob-phone', 7);
    await eventually(async () => (await readFile(file, 'utf8').catch(() => '')).includes('"held":7'), 5_000, 'the write');
    await r.close();
  });

  it('starts empty from a file that is not JSON, and says so', async () => {
    await writeFile(file, '{"devices": {"ann-pho');
    const errors: unknown[] = [];
    const r = await NoticeReceipts.open(file, { onError: (err) => errors.push(err) });
    expect(r.of('ann-phone')).toBeUndefined();
    expect(errors).toHaveLength(1);
    await r.close();
  });
});
