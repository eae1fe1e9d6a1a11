import { describe, expect, it } from 'vitest';
import { RecentRefusals } from '../../relay/health/RecentRefusals';

describe('RecentRefusals', () => {
  it('keeps the newest `capacity` refusals, newest first, and cuts long reasons', () => {
    let t = 0;
    const refusals = new RecentRefusals(3, () => ++t);
    expect(refusals.list()).toEqual([]);
    for (let i = 1; i <= 5; i++) refusals.record({ user: 'u', device: 'd', doc: `record:R-${i}`, code: 3, reason: i === 5 ? 'r'.repeat(600) : 'no' });
    const listed = refusals.list();
    expect(listed.map((r) => [r.doc, r.at])).toEqual([
      ['record:R-5', 5],
      ['record:R-4', 4],
      ['record:R-3', 3],
    ]);
    expect(listed[0]!.reason).toHaveLength(500);
  });
});
