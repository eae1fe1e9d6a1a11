/**
 * The relay's heartbeat over real sockets: every `/mux` connection gets its
 * ping and status frame each interval, also past the first slice of
 * connections (ConnectionSet pings them a slice per turn of the loop), and a
 * connection that stops answering pings is cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { tryReadFrame } from '../support/muxClient';
import { connectRaw, type RawClient } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';

describe('heartbeat', () => {
  let t: TestRelay;
  beforeAll(async () => {
    t = await startTestRelay({ limits: { pingIntervalMs: 1_000 } });
  });
  afterAll(async () => {
    await t.cleanup();
  });

  const statuses = (c: RawClient): number => c.received.filter((m) => tryReadFrame(m)?.type === 'status').length;

  it('reaches every connection each interval, beyond one slice of them, and cuts one that stopped answering', async () => {
    const clients: RawClient[] = [];
    try {
      for (let i = 0; i < 6; i++) clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connectRaw(t.wsUrl('/mux'))))));
      const pings = clients.map(() => 0);
      clients.forEach((c, i) => c.ws.on('ping', () => pings[i]!++));
      const silent = clients[599]!;
      silent.ws.pause(); // reads nothing more: no pong
      const rest = clients.slice(0, 599);
      // The status on connect, then one per interval.
      await eventually(() => rest.every((c) => statuses(c) >= 3), 20_000, () => `statuses: fewest ${Math.min(...rest.map(statuses))}`);
      expect(Math.min(...pings.slice(0, 599))).toBeGreaterThanOrEqual(2);
      await eventually(() => t.relay.stats().connections === 599, 20_000, () => `${t.relay.stats().connections} connections`);
      expect(rest.every((c) => c.ws.readyState === c.ws.OPEN)).toBe(true);
    } finally {
      for (const c of clients) c.ws.terminate();
    }
  }, 60_000);
});
