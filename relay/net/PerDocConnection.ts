/**
 * `/sync/<doc>`: the stock y-websocket protocol for one document, so any
 * standard Yjs client can connect. Tally's one addition: once a client's
 * update is fsynced, the relay sends that client a sync step 1 with the
 * durable state vector, which a stock client answers by re-sending anything
 * the relay lacks.
 */
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as authProtocol from 'y-protocols/auth';
import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { needsOnlyStoredBytes, type DocRoom } from '../sync/DocRoom';
import { YMessage, syncMessage } from '../../shared/protocol/syncMessages';
import type { RoomPeer } from '../sync/RoomPeer';
import type { RelayLog } from '../log';
import { GuardedSocket } from './GuardedSocket';
import { checkInbound, closeInfoForUnreadable } from './inbound';
import { DurableAckBatcher } from './DurableAckBatcher';
import type { RefusalBudget } from './RefusalBudget';
import type { ConnectionOptions } from './ConnectionOptions';
import type { Principal } from './Principal';
import { writePolicyFor, type WritePolicy } from '../policy/writeRefusal';

// Writes resolve in order, so the later state vector is always the newer one.
const alwaysNewer = (): boolean => true;

export class PerDocConnection implements RoomPeer {
  readonly socket: GuardedSocket;
  private readonly room: DocRoom;
  /** Made by the first write: most connections of a relay are idle. */
  private durableAcks: DurableAckBatcher<Uint8Array> | null = null;
  readonly principal: Principal;
  private readonly log: RelayLog;
  private readonly connId: number;
  /** Shared with the user's other connections. */
  private readonly refusals: RefusalBudget;

  constructor(ws: WebSocket, docName: string, options: ConnectionOptions<PerDocConnection>) {
    const { principal, registry, limits, log, onClosed } = options;
    this.principal = principal;
    this.log = log;
    this.connId = options.connId;
    this.refusals = options.refusals;
    this.socket = new GuardedSocket(ws, limits.maxBufferedBytes, log, this);
    this.room = registry.get(docName);
    ws.on('message', (data, isBinary) => {
      const check = checkInbound(data, isBinary, limits.maxMessageBytes);
      if (!check.ok) return this.socket.close(check.close, check.detail);
      const task = (): void => this.handle(check.bytes);
      if (needsOnlyStoredBytes(check.bytes)) this.room.runOnRead(task);
      else this.room.run(task);
    });
    ws.on('close', () => {
      this.durableAcks?.stop();
      this.room.unsubscribe(this);
      onClosed(this);
    });
    ws.on('error', (err) => this.log.warn({ conn: this.label, err: err.message }, 'socket error'));
    this.writes = writePolicyFor(principal);
    this.room.runOnRead(() => {
      if (this.socket.isOpen) this.room.subscribe(this, { sendSyncStep1: true });
    });
    this.room.whenLoaded.catch((err: unknown) => this.socket.close(CloseCode.loadFailed, String(err)));
  }

  readonly writes: WritePolicy;

  /** Who this is, for logs: user, device, connection id, document. */
  get label(): string {
    return `${this.principal.user}@${this.principal.device ?? 'no-device'}#${this.connId}/${this.room.name}`;
  }

  send(message: Uint8Array): void {
    this.socket.send(message);
  }

  private handle(bytes: Uint8Array): void {
    if (!this.socket.isOpen) return;
    let result;
    try {
      result = this.room.receive(bytes, this);
    } catch (err) {
      const info = closeInfoForUnreadable(err);
      return this.socket.close(info, (err as Error).message);
    }
    if (result.kind === 'refused') {
      if (result.tooLarge) return this.socket.close(CloseCode.tooLarge, result.reason);
      this.log.warn({ conn: this.label, doc: this.room.name, reason: result.reason }, result.missing ? 'change waits for changes the relay lacks' : 'write refused');
      if (!result.missing && !this.refusals.spend()) return this.socket.close(CloseCode.forbidden, 'too many refused writes');
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, YMessage.auth);
      authProtocol.writePermissionDenied(e, result.reason);
      return this.socket.send(encoding.toUint8Array(e));
    }
    if (result.replies) for (const reply of result.replies) this.socket.send(reply);
    if (result.wrote) {
      this.durableAcks ??= new DurableAckBatcher((_doc, sv) => this.sendDurableStep1(sv), alwaysNewer);
      this.durableAcks.after(this.room.whenDurable(), '', this.room.stateVector());
    }
  }

  private sendDurableStep1(stateVector: Uint8Array): void {
    this.socket.send(syncMessage(syncProtocol.messageYjsSyncStep1, stateVector));
  }
}
