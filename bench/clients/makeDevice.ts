/** Picks the raw client for a server's dialect. */
import type { ChildServer } from '../servers/ChildServer';
import type { BenchDevice, DeviceHandlers } from './BenchDevice';
import { HocuspocusDevice } from './HocuspocusDevice';
import { MuxDevice } from './MuxDevice';
import { YWebsocketDevice } from './YWebsocketDevice';
import { refusalsOf } from '../lib/refusals';
import { tallyQuery } from '../servers/tallyCredentials';

/** What a workload says about a device: its id and what it wants to hear. */
export interface DeviceOptions extends DeviceHandlers {
  /**
   * The device id the connection names (Tally's `?device=`). A device that
   * writes must be given one, and its entries must carry it; a device that
   * only reads gets a fresh one.
   */
  device?: string;
}

let nextReader = 1;

/** The options' handlers, with every refusal also noted in the server's refusal log. */
function withRefusalLog(server: ChildServer, options: DeviceOptions): DeviceHandlers {
  const log = refusalsOf(server);
  return {
    ...options,
    onRefused(doc, reason) {
      log.record(server.spec.id, doc, reason);
      options.onRefused?.(doc, reason);
    },
  };
}

/** A new, unconnected device for `server`. */
export function makeDevice(server: ChildServer, options: DeviceOptions = {}): BenchDevice {
  const base = server.wsBase;
  const handlers = withRefusalLog(server, options);
  switch (server.spec.dialect) {
    case 'tally-mux':
      return new MuxDevice(`${base}/mux${tallyQuery(options.device ?? `bench-reader-${nextReader++}`)}`, handlers);
    case 'y-websocket':
      return new YWebsocketDevice((doc) => `${base}/${doc}`, handlers, 'echo');
    case 'hocuspocus':
      return new HocuspocusDevice(base, handlers);
  }
}

/** A device on Tally's per-document /sync endpoint (stock protocol, durable step 1 as ack). */
export function makeTallySyncDevice(server: ChildServer, options: DeviceOptions = {}): BenchDevice {
  const query = tallyQuery(options.device ?? `bench-reader-${nextReader++}`);
  return new YWebsocketDevice((doc) => `${server.wsBase}/sync/${encodeURIComponent(doc)}${query}`, withRefusalLog(server, options), 'step1');
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
