/**
 * afterNextPaint in real Chromium: a scan's storage and send wait until the
 * frame that shows the scan, and run at once when the page goes away.
 */
import { describe, expect, it } from 'vitest';
import { afterNextPaint, nextPaint } from '../../client/app/lib/afterNextPaint';

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

describe('afterNextPaint', () => {
  it('runs the work after the next frame, not in the task or its microtasks', async () => {
    const order: string[] = [];
    afterNextPaint(() => order.push('work'));
    queueMicrotask(() => order.push('microtask'));
    requestAnimationFrame(() => order.push('frame'));
    await Promise.resolve();
    expect(order).toEqual(['microtask']);
    await frame();
    await nextPaint();
    expect(order).toEqual(['microtask', 'frame', 'work']);
  });

  it('runs each work once, and at once when the page goes away before its frame', async () => {
    let runs = 0;
    afterNextPaint(() => runs++);
    dispatchEvent(new Event('pagehide'));
    expect(runs).toBe(1);
    await frame();
    await nextPaint();
    expect(runs).toBe(1);
  });
});
