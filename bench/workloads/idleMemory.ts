/**
 * memory per idle connection: N connections, each a device with one document
 * open and synced, then nothing. (server RSS after - before) / N, on a server
 * that has just started. Then N more: their cost per connection is the
 * marginal one, without what the first N paid once (V8 growing its young
 * generation to its maximum, compiled code, allocator arenas). Then all 2N
 * stay idle for SETTLE_MS: V8 gives its young generation back only once its
 * memory reducer finds the process idle (about a minute here), so the
 * figures above measure mostly the nursery the connections' arrival grew;
 * the settled one is what idle connections cost a server left alone.
 */
import type { ChildServer } from '../servers/ChildServer';
import { makeDevice, pool } from '../clients/makeDevice';
import type { BenchDevice } from '../clients/BenchDevice';
import { sleep } from '../lib/measure';
import { recordDoc } from '../lib/yupdates';

export interface IdleMemoryResult {
  connections: number;
  rssBefore: number;
  rssAfter: number;
  bytesPerConnection: number;
  /** RSS after N more connections, and their cost per connection. */
  rssAfterMore: number;
  marginalBytesPerConnection: number;
  /** RSS after all 2N connections were idle for `settleMs`, and per connection (of 2N, against rssBefore). */
  rssSettled: number;
  settledBytesPerConnection: number;
  settleMs: number;
}

/** How long the 2N connections stay idle before the settled reading. */
export const SETTLE_MS = 90_000;

export async function runIdleMemory(server: ChildServer, connections = 1_000, settleMs = SETTLE_MS): Promise<IdleMemoryResult> {
  await sleep(1_000);
  const rssBefore = server.rss();
  const devices: BenchDevice[] = [];
  const connectMore = async (offset: number): Promise<number> => {
    const more = Array.from({ length: connections }, () => makeDevice(server));
    devices.push(...more);
    await pool(more, 50, async (dev, i) => {
      await dev.connect();
      await dev.open(recordDoc(`idle-${offset + i}`));
    });
    await sleep(2_000);
    return server.rss();
  };
  const rssAfter = await connectMore(0);
  const rssAfterMore = await connectMore(connections);
  // Nothing is sent meanwhile: the servers' own heartbeats are all that runs.
  await sleep(settleMs - 2_000);
  const rssSettled = server.rss();
  for (const d of devices) d.close();
  return {
    connections,
    rssBefore,
    rssAfter,
    bytesPerConnection: (rssAfter - rssBefore) / connections,
    rssAfterMore,
    marginalBytesPerConnection: (rssAfterMore - rssAfter) / connections,
    rssSettled,
    settledBytesPerConnection: (rssSettled - rssBefore) / (2 * connections),
    settleMs,
  };
}
