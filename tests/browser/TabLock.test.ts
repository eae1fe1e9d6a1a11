/**
 * The tab lock in real Chromium (Web Locks): a lock asked for before the
 * app loaded (`begin`) is the one the app gets (`acquire`), a second tab
 * waits and is told busy, may take over, and the first hears it lost the lock
 * even if that happened before the app claimed the early request.
 */
import { describe, expect, it, vi } from 'vitest';
import { TabLock } from '../../client/app/lib/TabLock';

let n = 0;
const lockName = () => `tally-test-lock-${Date.now()}-${n++}`;

describe('TabLock', () => {
  it('gives the app the lock asked for at start; a second tab is busy until it takes over', async () => {
    const name = lockName();
    const first = new TabLock(name);
    first.begin();
    const lostFirst = vi.fn();
    expect(await first.acquire(lostFirst)).toBe('held');

    const second = new TabLock(name);
    expect(await second.acquire(() => undefined, false, 200)).toBe('busy');
    expect(await second.acquire(() => undefined, true)).toBe('held');
    await vi.waitFor(() => expect(lostFirst).toHaveBeenCalledOnce());
  });

  it('tells the app it lost the lock when another tab took it before the app claimed it', async () => {
    const name = lockName();
    const early = new TabLock(name);
    early.begin();
    // Let the early request be granted, then another tab takes over before the app loads.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await new TabLock(name).acquire(() => undefined, true)).toBe('held');
    const lost = vi.fn();
    expect(await early.acquire(lost)).toBe('held');
    await vi.waitFor(() => expect(lost).toHaveBeenCalledOnce());
  });

  it('releases the lock for the next tab', async () => {
    const name = lockName();
    const first = new TabLock(name);
    expect(await first.acquire(() => undefined)).toBe('held');
    first.releaseLock();
    expect(await new TabLock(name).acquire(() => undefined, false, 500)).toBe('held');
  });
});
