/**
 * The stock y-websocket protocol spoken raw, one socket per document (the
 * protocol has no multiplexing), as a y-websocket `WebsocketProvider` would:
 * sync step 1 on open, a sync step 2 answering the server's step 1, updates.
 *
 * Acknowledgement, by `ackBy`:
 * - 'echo' (y-websocket 1.5 server): the server broadcasts each applied update
 *   to every connection of the document, the sender included; that echo is the
 *   only sign of receipt it gives.
 * - 'step1' (Tally's /sync endpoint): the durable sync step 1 the relay sends
 *   after the fsync; a change is acknowledged once that state vector covers it.
 */
import type WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { type BenchDevice, type DeviceHandlers, type OpenOptions, type Deferred, deferred, openSocket } from './BenchDevice';
import { firstClientClock } from '../lib/yupdates';

const EMPTY_UPDATE = new Uint8Array([0, 0]);
const EMPTY_SV = new Uint8Array([0]);
/** y-protocols' auth message and its permission-denied reply (Tally's /sync refusal). */
const MSG_AUTH = 2;
const AUTH_PERMISSION_DENIED = 0;

interface DocSocket {
  ws: WebSocket;
  /** Sent, unacknowledged changes: [client, clock, token]. */
  pending: Array<[number, number, number]>;
  answeredStep1: boolean;
  offline?: Uint8Array;
  offlineToken?: number;
  synced: Deferred;
}

function syncMessage(sub: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

export class YWebsocketDevice implements BenchDevice {
  readonly dialect = 'y-websocket' as const;
  private readonly docs = new Map<string, DocSocket>();

  constructor(
    /** URL of a document's socket, e.g. `${base}/${doc}` or `${base}/sync/${doc}`. */
    private readonly docUrl: (doc: string) => string,
    private readonly handlers: DeviceHandlers = {},
    private readonly ackBy: 'echo' | 'step1' = 'echo',
  ) {}

  async connect(): Promise<void> {}

  async open(doc: string, options: OpenOptions = {}): Promise<void> {
    const early: Buffer[] = [];
    let state: DocSocket | null = null;
    const ws = await openSocket(this.docUrl(doc), (data) => (state ? this.receive(doc, state, data) : early.push(data)));
    state = {
      ws,
      pending: [],
      answeredStep1: false,
      offline: options.offline,
      offlineToken: options.offlineToken,
      synced: deferred(),
    };
    const opened = state;
    this.docs.set(doc, opened);
    ws.on('close', (code, reason) => {
      opened.synced.reject(new Error(`socket closed ${code}`));
      this.handlers.onClose?.(code, reason.toString());
    });
    // The provider sends its step 1 on open, before reading the server's.
    ws.send(syncMessage(syncProtocol.messageYjsSyncStep1, options.stateVector ?? EMPTY_SV));
    for (const data of early) this.receive(doc, opened, data);
    return opened.synced.promise;
  }

  send(doc: string, update: Uint8Array, token: number): void {
    const state = this.docs.get(doc);
    if (!state) throw new Error(`send to unopened doc ${doc}`);
    this.track(state, update, token);
    state.ws.send(syncMessage(syncProtocol.messageYjsUpdate, update));
  }

  private track(state: DocSocket, update: Uint8Array, token: number): void {
    const cc = firstClientClock(update);
    if (cc && token >= 0) state.pending.push([cc.client, cc.clock, token]);
  }

  closeDoc(doc: string): void {
    const state = this.docs.get(doc);
    this.docs.delete(doc);
    state?.ws.close();
  }

  close(): void {
    for (const state of this.docs.values()) state.ws.terminate();
    this.docs.clear();
  }

  buffered(): number {
    let n = 0;
    for (const s of this.docs.values()) n += s.ws.bufferedAmount;
    return n;
  }

  private receive(doc: string, state: DocSocket, data: Buffer): void {
    const at = performance.now();
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type === MSG_AUTH) {
      if (decoding.readVarUint(d) === AUTH_PERMISSION_DENIED) this.handlers.onRefused?.(doc, decoding.readVarString(d));
      return;
    }
    if (type !== 0) return; // awareness: not measured
    const sub = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (sub === syncProtocol.messageYjsSyncStep1) {
      if (!state.answeredStep1) {
        state.answeredStep1 = true;
        const offline = state.offline ?? EMPTY_UPDATE;
        if (state.offline) this.track(state, offline, state.offlineToken ?? -1);
        state.offline = undefined;
        state.ws.send(syncMessage(syncProtocol.messageYjsSyncStep2, offline));
      }
      if (this.ackBy === 'step1') this.ackCovered(doc, state, Y.decodeStateVector(payload), at);
      return;
    }
    this.handlers.onContent?.(doc, payload, at);
    if (sub === syncProtocol.messageYjsSyncStep2) state.synced.resolve();
    if (this.ackBy === 'echo' && sub === syncProtocol.messageYjsUpdate && state.pending.length > 0) {
      const cc = firstClientClock(payload);
      if (cc && cc.client === state.pending[0]![0]) {
        while (state.pending.length > 0 && state.pending[0]![1] <= cc.clock) {
          this.handlers.onAck?.(doc, state.pending.shift()![2], at);
        }
      }
    }
  }

  private ackCovered(doc: string, state: DocSocket, sv: Map<number, number>, at: number): void {
    while (state.pending.length > 0) {
      const [client, clock, token] = state.pending[0]!;
      if ((sv.get(client) ?? 0) <= clock) break;
      state.pending.shift();
      this.handlers.onAck?.(doc, token, at);
    }
  }
}
