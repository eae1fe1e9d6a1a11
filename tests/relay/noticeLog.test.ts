import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoticeLog, type StoredNotice } from '../../relay/notices/NoticeLog';

const ann = { user: 'u-ann', device: 'dev-1' };
const sue = { user: 'u-sue', device: null };
const spill = { kind: 'safety', severity: 'danger', text: 'spill in aisle 4' };
const hold = { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'recall' };

describe('NoticeLog', () => {
  let dir: string;
  let file: string;
  let now = 1_000;
  const openLog = (): Promise<NoticeLog> => NoticeLog.open(file, { now: () => now++ });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notices-'));
    file = path.join(dir, 'notices.log');
    now = 1_000;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers notices from 1, tells listeners once stored, and reads them back after a reopen', async () => {
    const log = await openLog();
    const heard: StoredNotice[] = [];
    log.onNotice((n) => heard.push(n));
    const first = await log.issue(spill, ann);
    const second = await log.issue(hold, sue);
    expect(first).toEqual({ ok: true, notice: { seq: 1, at: 1000, user: 'u-ann', device: 'dev-1', body: spill } });
    expect(second.ok && second.notice.seq).toBe(2);
    expect(heard.map((n) => n.seq)).toEqual([1, 2]);
    await log.close();

    const again = await openLog();
    expect(again.since(0)).toEqual(heard);
    expect(again.since(1).map((n) => n.seq)).toEqual([2]);
    expect(again.since(2)).toEqual([]);
    expect([...again.holds]).toEqual([2]);
    expect((await again.issue(spill, ann)).ok && again.lastSeq).toBe(3);
    await again.close();
  });

  it('refuses a bad body without storing or numbering anything', async () => {
    const log = await openLog();
    expect(await log.issue({ kind: 'release', hold: 1, text: 'x' }, sue)).toEqual({ ok: false, reason: 'notice 1 is not an active hold' });
    expect(log.lastSeq).toBe(0);
    await log.close();
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('releases a hold once: a second release of it is refused', async () => {
    const log = await openLog();
    await log.issue(hold, sue);
    const [a, b] = await Promise.all([log.issue({ kind: 'release', hold: 1, text: 'ok' }, sue), log.issue({ kind: 'release', hold: 1, text: 'ok' }, sue)]);
    expect(a.ok).toBe(true);
    expect(b).toEqual({ ok: false, reason: 'notice 1 is not an active hold' });
    expect(log.holds.size).toBe(0);
    await log.close();
  });

  it('keeps acknowledgements durably, once per user and device, and only of notices it holds', async () => {
    const log = await openLog();
    await log.issue(spill, ann);
    expect(await log.acknowledge(1, ann)).toBe(true);
    expect(await log.acknowledge(1, ann)).toBe(true);
    expect(await log.acknowledge(1, { user: 'u-ann', device: 'dev-2' })).toBe(true);
    expect(await log.acknowledge(7, ann)).toBe(false);
    await log.close();
    const again = await openLog();
    expect(again.acksOf(1)).toEqual([
      { user: 'u-ann', device: 'dev-1', at: 1001 },
      { user: 'u-ann', device: 'dev-2', at: 1002 },
    ]);
    await again.close();
  });

  it.each([
    ['a torn last line', '{"t":"notice","seq":2,"at":5,"us'],
    ['a torn last line that happens to end in a newline', '{"t":"notice","seq":2,"at":5,"us\n'],
  ])('cuts off %s at open and appends after the good lines', async (_what, torn) => {
    const log = await openLog();
    await log.issue(spill, ann);
    await log.close();
    await appendFile(file, torn);
    const again = await openLog();
    expect(again.lastSeq).toBe(1);
    await again.issue(hold, sue);
    await again.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('refuses to open a file with a bad line before the last', async () => {
    await writeFile(file, 'garbage\n{"t":"ack","seq":1,"at":1,"user":"u","device":null}\n');
    await expect(openLog()).rejects.toThrow('line 1 is not a notice or ack line');
  });

  it('refuses to open a file whose notices skip a seq', async () => {
    await writeFile(file, `${JSON.stringify({ t: 'notice', seq: 2, at: 1, user: 'u', device: null, body: spill })}\n`);
    await expect(openLog()).rejects.toThrow('holds notice 2 after 0');
  });
});
