import { describe, expect, it } from 'vitest';
import { preciseTime, timeText } from '../../client/app/lib/format';

const at = (y: number, m: number, d: number, h: number, min: number, s = 0) => new Date(y, m - 1, d, h, min, s).getTime();

describe('timeText', () => {
  it.each([
    ['the same day shows the time only', at(2026, 3, 3, 14, 5), at(2026, 3, 3, 23, 59), false],
    ['just before midnight, seen just after it, shows the day', at(2026, 3, 3, 23, 58), at(2026, 3, 4, 0, 1), true],
    ['the same date a year apart shows the day', at(2025, 3, 3, 14, 5), at(2026, 3, 3, 14, 5), true],
  ])('%s', (_name, ms, now, withDay) => {
    const text = timeText(ms, now);
    expect(text.includes('Mar')).toBe(withDay);
  });

  it('gives the same text on every call (the formatters are made once)', () => {
    const ms = at(2026, 3, 3, 9, 7);
    expect(timeText(ms, ms)).toBe(timeText(ms, ms));
    expect(timeText(ms, ms)).toMatch(/0?9.07/);
  });
});

describe('preciseTime', () => {
  it('shows the day and the seconds', () => {
    const text = preciseTime(at(2026, 3, 3, 14, 5, 9));
    expect(text).toContain('Mar');
    expect(text).toMatch(/05.09/);
  });
});
