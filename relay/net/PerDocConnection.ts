/**
 * `/sync/<doc>`: the stock y-websocket protocol for one document, so any
 * standard Yjs client can connect. Tally's one addition: once a client's
 * update is fsynced, the relay sends that client a sync step 1 with the
 * durable state vector, which a stock client answers by re-sending anything
 * the relay lacks.
 */
import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes';
import type { DocRoom, Refusal } from '../sync/DocRoom';
import type { Broadcast } from '../sync/RoomPeer';
import type { RelayLog } from '../log';
import { GuardedSocket } from './GuardedSocket';
import { checkInbound } from './inbound';
import { PeerSession, type SessionEndpoint, type SessionPeer } from './PeerSession';
import type { ConnectionOptions } from './ConnectionOptions';
import type { Principal } from './Principal';
import { refusalRecorder } from '../health/refusalRecorder';
import { writePolicyFor, type WritePolicy } from '../policy/writeRefusal';
import { awarenessMessage, needsOnlyStoredBytes, permissionDeniedMessage, stepOneMessage, updateMessage } from './ywsCodec';

// Writes resolve in order, so the later state vector is always the newer one.
const alwaysNewer = (): boolean => true;

export class PerDocConnection implements SessionPeer, SessionEndpoint<Uint8Array> {
  readonly socket: GuardedSocket;
  readonly room: DocRoom;
  /** Refusals and acks (the durable state vector). */
  private readonly session: PeerSession<Uint8Array>;
  readonly principal: Principal;
  private readonly log: RelayLog;
  private readonly connId: number;

  constructor(ws: WebSocket, docName: string, options: ConnectionOptions<PerDocConnection>) {
    const { principal, registry, limits, log, onClosed } = options;
    this.principal = principal;
    this.log = log;
    this.connId = options.connId;
    this.socket = new GuardedSocket(ws, limits.maxBufferedBytes, log, this);
    this.session = new PeerSession({ endpoint: this, log, refusals: options.refusals, newer: alwaysNewer, tooLargeCloses: true, nameDocInCloses: false, metrics: options.metrics, onRefused: refusalRecorder(options) });
    this.room = registry.get(docName);
    ws.on('message', (data, isBinary) => {
      const check = checkInbound(data, isBinary, limits.maxMessageBytes);
      if (!check.ok) return this.socket.close(check.close, check.detail);
      const task = (): void => this.session.receive(this, check.bytes, this.ackOf);
      if (needsOnlyStoredBytes(check.bytes)) this.room.runOnRead(task);
      else this.room.run(task);
    });
    ws.on('close', () => {
      this.session.stop();
      this.room.unsubscribe(this);
      onClosed(this);
    });
    ws.on('error', (err) => this.log.warn({ conn: this.label, err: err.message }, 'socket error'));
    this.writes = writePolicyFor(principal);
    this.room.runOnRead(() => {
      if (this.socket.isOpen) this.room.subscribe(this, { sendStateVector: true });
    });
    this.room.whenLoaded.catch((err: unknown) => this.socket.close(CloseCode.loadFailed, String(err)));
  }

  readonly writes: WritePolicy;

  /** Who this is, for logs: user, device, connection id, document. */
  get label(): string {
    return `${this.principal.user}@${this.principal.device ?? 'no-device'}#${this.connId}/${this.room.name}`;
  }

  /** A write is acknowledged by the state vector that holds it, sent once durable. */
  private readonly ackOf = (wrote: boolean): Uint8Array | null => (wrote ? this.room.stateVector() : null);

  sendStateVector(stateVector: Uint8Array): void {
    this.socket.send(stepOneMessage(stateVector));
  }

  sendUpdate(update: Uint8Array, shared: Broadcast): void {
    this.socket.send(updateMessage(update, shared));
  }

  sendAwareness(update: Uint8Array, shared: Broadcast): void {
    this.socket.send(awarenessMessage(update, shared));
  }

  reply(message: Uint8Array): void {
    this.socket.send(message);
  }

  /** A stock client hears a refusal as y-protocols' "permission denied". */
  sendRefusal(_doc: string, refusal: Refusal): void {
    this.socket.send(permissionDeniedMessage(refusal.reason));
  }

  /** The durable state vector as a sync step 1: a stock client re-sends anything the relay lacks. */
  sendAck(_doc: string, stateVector: Uint8Array): void {
    this.socket.send(stepOneMessage(stateVector));
  }
}
