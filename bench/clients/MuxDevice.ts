/**
 * Tally's multiplexed protocol (PROTOCOL.md section 2) spoken raw: one socket
 * per device, `change` frames out, durable `ack` frames back. Uses the
 * project's own codec (shared/protocol/muxMessages.ts).
 */
import type WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import {
  readMuxFrame,
  writeChangeFrame,
  writeCloseDocFrame,
  writeDocFrame,
} from '../../shared/protocol/muxMessages';
import { type BenchDevice, type DeviceHandlers, type OpenOptions, type Deferred, deferred, openSocket } from './BenchDevice';

const EMPTY_SV = new Uint8Array([0]);

interface DocState {
  changeNo: number;
  /** Sent, unacknowledged changes in send order: [changeNo, token]. */
  pending: Array<[number, number]>;
  synced: Deferred;
  offline?: Uint8Array;
  offlineToken?: number;
}

export class MuxDevice implements BenchDevice {
  readonly dialect = 'tally-mux' as const;
  private ws: WebSocket | null = null;
  private readonly docs = new Map<string, DocState>();
  /** Error frames received (code -> count), for the report. */
  readonly errors = new Map<number, number>();

  constructor(
    private readonly url: string,
    private readonly handlers: DeviceHandlers = {},
  ) {}

  async connect(): Promise<void> {
    const ws = await openSocket(this.url, (data) => this.receive(data));
    this.ws = ws;
    ws.on('close', (code, reason) => {
      for (const d of this.docs.values()) d.synced.reject(new Error(`socket closed ${code}`));
      this.handlers.onClose?.(code, reason.toString());
    });
  }

  open(doc: string, options: OpenOptions = {}): Promise<void> {
    const state: DocState = { changeNo: 0, pending: [], synced: deferred(), offline: options.offline, offlineToken: options.offlineToken };
    this.docs.set(doc, state);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // sync
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
    encoding.writeVarUint8Array(e, options.stateVector ?? EMPTY_SV);
    this.ws!.send(writeDocFrame(doc, encoding.toUint8Array(e)));
    return state.synced.promise;
  }

  send(doc: string, update: Uint8Array, token: number): void {
    const state = this.docs.get(doc);
    if (!state) throw new Error(`send to unopened doc ${doc}`);
    state.changeNo += 1;
    state.pending.push([state.changeNo, token]);
    this.ws!.send(writeChangeFrame(doc, state.changeNo, update));
  }

  closeDoc(doc: string): void {
    this.docs.delete(doc);
    if (this.ws?.readyState === 1) this.ws.send(writeCloseDocFrame(doc));
  }

  close(): void {
    this.ws?.terminate();
  }

  buffered(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  private receive(data: Buffer): void {
    const at = performance.now();
    const frame = readMuxFrame(data);
    switch (frame.type) {
      case 'ack': {
        const state = this.docs.get(frame.doc);
        if (!state) return;
        while (state.pending.length > 0 && state.pending[0]![0] <= frame.changeNo) {
          const [, token] = state.pending.shift()!;
          if (token >= 0) this.handlers.onAck?.(frame.doc, token, at);
        }
        return;
      }
      case 'doc':
        this.receiveDocMessage(frame.doc, frame.message, at);
        return;
      case 'error':
        this.errors.set(frame.code, (this.errors.get(frame.code) ?? 0) + 1);
        this.handlers.onRefused?.(frame.doc, `error ${frame.code}: ${frame.reason}`);
        return;
      default:
        return;
    }
  }

  private receiveDocMessage(doc: string, message: Uint8Array, at: number): void {
    const state = this.docs.get(doc);
    if (!state) return;
    const d = decoding.createDecoder(message);
    if (decoding.readVarUint(d) !== 0) return; // awareness and the rest: not measured
    const sub = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (sub === syncProtocol.messageYjsSyncStep1) {
      if (state.offline) {
        const offline = state.offline;
        state.offline = undefined;
        this.send(doc, offline, state.offlineToken ?? -1);
      }
      return;
    }
    this.handlers.onContent?.(doc, payload, at);
    if (sub === syncProtocol.messageYjsSyncStep2) state.synced.resolve();
  }
}
