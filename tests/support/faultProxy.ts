/**
 * A TCP proxy between clients and the relay that misbehaves on command:
 * cut every connection mid-message, stall traffic, or go half-open (keep the
 * sockets but silently swallow everything). Loopback only.
 */
import net from 'node:net';

export type FaultMode = 'pass' | 'stall' | 'halfOpen';

export interface FaultProxy {
  port: number;
  /** Forward normally, hold traffic (delivered later), or swallow it with sockets left open. */
  setMode(mode: FaultMode): void;
  /** Destroys every open connection, each after forwarding only part of its next chunk. */
  cutAll(): void;
  /** Connections currently open through the proxy (dead half-open ones included until both ends close). */
  connections(): number;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /**
   * What becomes of connections that were open while the proxy was half-open
   * once it leaves that mode: 'cut' (default) destroys them, so both ends see a
   * close; 'keep' leaves them swallowing everything for good, as a dead link
   * does, so only the ends' own timeouts (relay pings, device silence) find them.
   */
  afterHalfOpen?: 'cut' | 'keep';
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: { to: net.Socket; data: Buffer }[];
  /** Went half-open: swallows everything and passes no close. */
  dead: boolean;
}

export async function startFaultProxy(targetPort: number, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  const pairs = new Set<Pair>();

  const forward = (pair: Pair, to: net.Socket, data: Buffer): void => {
    if (pair.dead) return;
    if (mode === 'stall') {
      pair.held.push({ to, data });
      return;
    }
    if (!to.destroyed) to.write(data);
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, held: [], dead: mode === 'halfOpen' };
    pairs.add(pair);
    client.on('data', (d: Buffer) => forward(pair, upstream, d));
    upstream.on('data', (d: Buffer) => forward(pair, client, d));
    const end = (): void => {
      // A half-open link does not pass closes on either: that is the fault.
      if (pair.dead) {
        if (client.destroyed && upstream.destroyed) pairs.delete(pair);
        return;
      }
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

  const destroy = (pair: Pair): void => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };

  return {
    port: (server.address() as net.AddressInfo).port,
    setMode(next) {
      const leaving = mode;
      mode = next;
      if (next === 'halfOpen') for (const pair of pairs) pair.dead = true;
      if (leaving === 'stall' && next === 'pass') {
        for (const pair of pairs) {
          const held = pair.held.splice(0);
          if (!pair.dead) for (const { to, data } of held) if (!to.destroyed) to.write(data);
        }
      }
      if (leaving === 'halfOpen' && next !== 'halfOpen' && options.afterHalfOpen !== 'keep') {
        // Sockets that were abandoned while half-open are dead for both ends.
        for (const pair of Array.from(pairs)) destroy(pair);
      }
    },
    cutAll() {
      for (const pair of Array.from(pairs)) {
        // Forward half of whatever comes next in each direction, then cut.
        const cutAfterHalf = (from: net.Socket, to: net.Socket): void => {
          from.removeAllListeners('data');
          from.once('data', (d: Buffer) => {
            if (!pair.dead && !to.destroyed) to.write(d.subarray(0, Math.max(1, d.length >> 1)));
            destroy(pair);
          });
        };
        cutAfterHalf(pair.client, pair.upstream);
        cutAfterHalf(pair.upstream, pair.client);
        // Cut for sure soon, even if nothing more is sent.
        setTimeout(() => destroy(pair), 20).unref();
      }
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of Array.from(pairs)) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
