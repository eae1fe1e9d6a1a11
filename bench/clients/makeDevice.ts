/** Picks the raw client for a server's dialect. */
import type { ChildServer } from '../servers/ChildServer';
import type { BenchDevice, DeviceHandlers } from './BenchDevice';
import { HocuspocusDevice } from './HocuspocusDevice';
import { MuxDevice } from './MuxDevice';
import { YWebsocketDevice } from './YWebsocketDevice';

import { tallyQuery } from '../servers/tallyCredentials';

let nextDevice = 1;

/** A new, unconnected device for `server`. */
export function makeDevice(server: ChildServer, handlers: DeviceHandlers = {}): BenchDevice {
  const base = server.wsBase;
  switch (server.spec.dialect) {
    case 'tally-mux':
      return new MuxDevice(`${base}/mux${tallyQuery(`bench-${nextDevice++}`)}`, handlers);
    case 'y-websocket':
      return new YWebsocketDevice((doc) => `${base}/${doc}`, handlers, 'echo');
    case 'hocuspocus':
      return new HocuspocusDevice(base, handlers);
  }
}

/** A device on Tally's per-document /sync endpoint (stock protocol, durable step 1 as ack). */
export function makeTallySyncDevice(server: ChildServer, handlers: DeviceHandlers = {}): BenchDevice {
  const query = tallyQuery(`bench-${nextDevice++}`);
  return new YWebsocketDevice((doc) => `${server.wsBase}/sync/${encodeURIComponent(doc)}${query}`, handlers, 'step1');
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}
