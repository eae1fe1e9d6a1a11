import { describe, expect, it } from 'vitest';
import { ThrottledWarnings } from '../../relay/sync/ThrottledWarnings';

describe('ThrottledWarnings.warn', () => {
  it('logs a kind at most once a minute, then says how many it left out', () => {
    let now = 0;
    const lines: { obj: object; msg?: string }[] = [];
    const warnings = new ThrottledWarnings<'a' | 'b'>(
      { debug() {}, info() {}, error() {}, warn: (obj, msg) => lines.push({ obj, msg }) },
      () => now,
    );
    for (let i = 0; i < 100; i++) warnings.warn('a', { i }, 'refused');
    warnings.warn('b', { i: 0 }, 'refused');
    now = 59_999;
    warnings.warn('a', { i: 100 }, 'refused');
    now = 60_000;
    warnings.warn('a', { i: 101 }, 'refused');
    expect(lines).toEqual([
      { obj: { i: 0, kind: 'a' }, msg: 'refused' },
      { obj: { i: 0, kind: 'b' }, msg: 'refused' },
      { obj: { i: 101, kind: 'a', suppressed: 100 }, msg: 'refused' },
    ]);
  });
});
