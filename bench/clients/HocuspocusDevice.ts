/**
 * Hocuspocus 4's protocol spoken raw, as its provider does over one shared
 * socket (HocuspocusProviderWebsocket): every message starts with the document
 * name; per document an Auth token message, then sync step 1; the server's
 * SyncStatus reply to each update (and to the step 2 answering its step 1) is
 * what the provider counts `unsyncedChanges` down with, so it is the ack here.
 */
import type WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { type BenchDevice, type DeviceHandlers, type OpenOptions, type Deferred, deferred, openSocket } from './BenchDevice';

/** Sent in the auth message as the provider does (the package hides package.json from require). */
const providerVersion: string = JSON.parse(
  readFileSync(new URL('../../node_modules/@hocuspocus/provider/package.json', import.meta.url), 'utf8'),
).version;

const MSG_SYNC = 0;
const MSG_AUTH = 2;
const MSG_SYNC_REPLY = 4;
const MSG_CLOSE = 7;
const MSG_SYNC_STATUS = 8;
const AUTH_TOKEN = 0;
const AUTH_PERMISSION_DENIED = 1;

const EMPTY_UPDATE = new Uint8Array([0, 0]);
const EMPTY_SV = new Uint8Array([0]);

interface DocState {
  /** Tokens of sent, unacknowledged messages, in order (-1: not reported). */
  pending: number[];
  offline?: Uint8Array;
  offlineToken?: number;
  answeredStep1: boolean;
  synced: Deferred;
}

function message(doc: string, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  write(e);
  return encoding.toUint8Array(e);
}

function syncMessage(doc: string, sub: number, payload: Uint8Array): Uint8Array {
  return message(doc, (e) => {
    encoding.writeVarUint(e, MSG_SYNC);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, payload);
  });
}

export class HocuspocusDevice implements BenchDevice {
  readonly dialect = 'hocuspocus' as const;
  private ws: WebSocket | null = null;
  private readonly docs = new Map<string, DocState>();
  /** Updates the server said it could not apply (SyncStatus 0). */
  refused = 0;

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
    const state: DocState = {
      pending: [],
      offline: options.offline,
      offlineToken: options.offlineToken,
      answeredStep1: false,
      synced: deferred(),
    };
    this.docs.set(doc, state);
    this.ws!.send(
      message(doc, (e) => {
        encoding.writeVarUint(e, MSG_AUTH);
        encoding.writeVarUint(e, AUTH_TOKEN);
        encoding.writeVarString(e, '');
        encoding.writeVarString(e, providerVersion);
      }),
    );
    this.ws!.send(syncMessage(doc, syncProtocol.messageYjsSyncStep1, options.stateVector ?? EMPTY_SV));
    return state.synced.promise;
  }

  send(doc: string, update: Uint8Array, token: number): void {
    const state = this.docs.get(doc);
    if (!state) throw new Error(`send to unopened doc ${doc}`);
    state.pending.push(token);
    this.ws!.send(syncMessage(doc, syncProtocol.messageYjsUpdate, update));
  }

  closeDoc(doc: string): void {
    this.docs.delete(doc);
    if (this.ws?.readyState === 1) this.ws.send(message(doc, (e) => encoding.writeVarUint(e, MSG_CLOSE)));
  }

  close(): void {
    this.ws?.terminate();
  }

  buffered(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  private receive(data: Buffer): void {
    const at = performance.now();
    const d = decoding.createDecoder(data);
    const doc = decoding.readVarString(d);
    const state = this.docs.get(doc);
    if (!state) return;
    const type = decoding.readVarUint(d);
    switch (type) {
      case MSG_SYNC:
      case MSG_SYNC_REPLY: {
        const sub = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (sub === syncProtocol.messageYjsSyncStep1) {
          if (!state.answeredStep1) {
            state.answeredStep1 = true;
            state.pending.push(state.offline ? (state.offlineToken ?? -1) : -1);
            this.ws!.send(syncMessage(doc, syncProtocol.messageYjsSyncStep2, state.offline ?? EMPTY_UPDATE));
            state.offline = undefined;
          }
          return;
        }
        this.handlers.onContent?.(doc, payload, at);
        if (sub === syncProtocol.messageYjsSyncStep2) state.synced.resolve();
        return;
      }
      case MSG_SYNC_STATUS: {
        const applied = decoding.readVarUint(d) === 1;
        const token = state.pending.shift();
        if (!applied) {
          this.refused += 1;
          this.handlers.onRefused?.(doc, 'SyncStatus: not applied');
        } else if (token !== undefined && token >= 0) this.handlers.onAck?.(doc, token, at);
        return;
      }
      case MSG_AUTH: {
        if (decoding.readVarUint(d) === AUTH_PERMISSION_DENIED) {
          this.handlers.onRefused?.(doc, 'permission denied');
          state.synced.reject(new Error('permission denied'));
        }
        return;
      }
      default:
        return;
    }
  }
}
