/**
 * memory per idle connection: N connections, each a device with one document
 * open and synced, then nothing. (server RSS after - before) / N, on a server
 * that has just started.
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
}

export async function runIdleMemory(server: ChildServer, connections = 1_000): Promise<IdleMemoryResult> {
  await sleep(1_000);
  const rssBefore = server.rss();
  const devices: BenchDevice[] = Array.from({ length: connections }, () => makeDevice(server));
  await pool(devices, 50, async (dev, i) => {
    await dev.connect();
    await dev.open(recordDoc(`idle-${i}`));
  });
  await sleep(2_000);
  const rssAfter = server.rss();
  for (const d of devices) d.close();
  return { connections, rssBefore, rssAfter, bytesPerConnection: (rssAfter - rssBefore) / connections };
}
