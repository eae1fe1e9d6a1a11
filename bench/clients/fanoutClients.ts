/**
 * A child process of the fan-out workload (workloads/fanout.ts): it holds
 * `count` raw WebSocket connections to one server and tells the parent, over
 * IPC, the moment the last of them received each broadcast. Moments are
 * `process.hrtime` (CLOCK_MONOTONIC, the same clock in every process of the
 * machine), so the parent can compare them with the moment it posted.
 *
 * Config (env FANOUT_CONFIG, JSON): { dialect, url, count, doc? }.
 *   tally-mux / floor: a `notice` frame (kind 6, varUint seq) per broadcast;
 *     ready on the first frame (Tally's `status`) or at open (floor).
 *   hocuspocus: Auth and sync step 1 for `doc`, ready on the first answer; a
 *     Stateless message (type 5) whose JSON payload carries `seq`.
 * Messages to the parent: {type:'ready'} | {type:'all', seq, at} | {type:'error', message}.
 */
import WebSocket from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { readFileSync } from 'node:fs';
import { MuxType } from '../../shared/protocol/muxMessages';

export type FanoutDialect = 'tally-mux' | 'floor' | 'hocuspocus';

export interface FanoutClientConfig {
  dialect: FanoutDialect;
  url: string;
  count: number;
  /** The Hocuspocus document every connection joins. */
  doc?: string;
}

export type FanoutChildMessage = { type: 'ready' } | { type: 'all'; seq: number; at: string } | { type: 'error'; message: string };

const HOCUSPOCUS_SYNC = 0;
const HOCUSPOCUS_AUTH = 2;
const HOCUSPOCUS_STATELESS = 5;
const CONNECT_IN_FLIGHT = 50;

const config = JSON.parse(process.env.FANOUT_CONFIG ?? '{}') as FanoutClientConfig;
const tell = (m: FanoutChildMessage): void => void process.send?.(m);

/** How many connections have each seq. */
const received = new Map<number, number>();
function got(seq: number): void {
  const n = (received.get(seq) ?? 0) + 1;
  received.set(seq, n);
  if (n === config.count) {
    tell({ type: 'all', seq, at: String(process.hrtime.bigint()) });
    received.delete(seq);
  }
}

/** The seq of a broadcast message, or undefined for any other message. */
function seqOf(data: Buffer): number | undefined {
  const d = decoding.createDecoder(data);
  if (config.dialect !== 'hocuspocus') {
    if (decoding.readVarUint(d) !== MuxType.notice) return undefined;
    return decoding.readVarUint(d);
  }
  decoding.readVarString(d);
  if (decoding.readVarUint(d) !== HOCUSPOCUS_STATELESS) return undefined;
  return (JSON.parse(decoding.readVarString(d)) as { seq: number }).seq;
}

function hocuspocusHello(doc: string): Uint8Array[] {
  const version = (JSON.parse(readFileSync(new URL('../../node_modules/@hocuspocus/provider/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const auth = encoding.createEncoder();
  encoding.writeVarString(auth, doc);
  encoding.writeVarUint(auth, HOCUSPOCUS_AUTH);
  encoding.writeVarUint(auth, 0); // token
  encoding.writeVarString(auth, '');
  encoding.writeVarString(auth, version);
  const step1 = encoding.createEncoder();
  encoding.writeVarString(step1, doc);
  encoding.writeVarUint(step1, HOCUSPOCUS_SYNC);
  encoding.writeVarUint(step1, 0); // sync step 1
  encoding.writeVarUint8Array(step1, new Uint8Array([0])); // empty state vector
  return [encoding.toUint8Array(auth), encoding.toUint8Array(step1)];
}

const sockets: WebSocket[] = [];

function connectOne(hello: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(config.url, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    sockets.push(ws);
    let ready = false;
    const isReady = (): void => {
      if (ready) return;
      ready = true;
      resolve();
    };
    ws.on('message', (data: Buffer) => {
      isReady();
      const seq = seqOf(data);
      if (seq !== undefined) got(seq);
    });
    ws.once('open', () => {
      for (const m of hello) ws.send(m);
      if (config.dialect === 'floor') isReady();
    });
    ws.on('error', (err) => {
      if (!ready) reject(err);
    });
    ws.on('close', (code) => {
      if (!ready) reject(new Error(`closed with ${code} before it was ready`));
      else if (!closing) tell({ type: 'error', message: `a connection closed with ${code}` });
    });
  });
}

let closing = false;
process.on('message', (m: { type: string }) => {
  if (m.type !== 'close') return;
  closing = true;
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
process.on('disconnect', () => process.exit(0));

async function main(): Promise<void> {
  const hello = config.dialect === 'hocuspocus' ? hocuspocusHello(config.doc ?? 'fanout') : [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < config.count) {
      next++;
      await connectOne(hello);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_IN_FLIGHT, config.count) }, worker));
  tell({ type: 'ready' });
}

main().catch((err: unknown) => {
  tell({ type: 'error', message: err instanceof Error ? err.message : String(err) });
});
