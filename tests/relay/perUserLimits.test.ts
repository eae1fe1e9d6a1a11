import { describe, expect, it } from 'vitest';
import { PerUserLimits } from '../../relay/net/PerUserLimits';
import type { Principal } from '../../relay/net/Principal';

const principal = (user: string, open = false): Principal => ({ user, name: user, device: null, role: 'crew', mayWrite: true, open });

describe('PerUserLimits', () => {
  it('admits a user up to the limit, again once one of theirs leaves, and counts users apart', () => {
    const limits = new PerUserLimits({ maxConnections: 2, maxRefusalsPerMinute: 1 });
    const ann = principal('u-ann');
    expect([limits.admit(ann), limits.admit(ann), limits.admit(ann)]).toEqual([true, true, false]);
    expect(limits.admit(principal('u-bob'))).toBe(true);
    limits.leave(ann);
    expect(limits.connectionsOf('u-ann')).toBe(1);
    expect(limits.admit(ann)).toBe(true);
  });

  it("gives every connection of a user the user's one budget, kept across reconnects", () => {
    const limits = new PerUserLimits({ maxConnections: 5, maxRefusalsPerMinute: 1, now: () => 0 });
    const ann = principal('u-ann');
    expect(limits.refusalsOf(ann).spend()).toBe(true);
    limits.leave(ann);
    expect(limits.refusalsOf(ann).spend()).toBe(false);
    expect(limits.refusalsOf(principal('u-bob')).spend()).toBe(true);
  });

  it('on an open relay (everyone anonymous) limits no connections and budgets each on its own', () => {
    const limits = new PerUserLimits({ maxConnections: 1, maxRefusalsPerMinute: 1, now: () => 0 });
    const anyone = principal('anonymous', true);
    expect([limits.admit(anyone), limits.admit(anyone)]).toEqual([true, true]);
    expect(limits.refusalsOf(anyone).spend()).toBe(true);
    expect(limits.refusalsOf(anyone).spend()).toBe(true);
  });
});
