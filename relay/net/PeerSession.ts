/**
 * What both endpoints (`/mux`, `/sync/<doc>`) do with one peer's messages
 * once their framing is read: y-websocket messages handed to the document's
 * room (replies, presence, changes), refusals answered and counted against the
 * user's budget, and acks sent once the store write a change's `apply`
 * returned is durable. An endpoint supplies only how its peer hears a refusal
 * and an ack.
 */
import type { ChangeCounters } from '../metrics/RelayMetrics';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { MuxErrorCode } from '../../shared/protocol/muxMessages';
import type { RelayLog } from '../log';
import type { Applied, DocRoom, Refusal } from '../sync/DocRoom';
import type { RoomPeer } from '../sync/RoomPeer';
import { DurableAckBatcher } from './DurableAckBatcher';
import type { StageTimings } from '../diag/StageTimings';
import type { GuardedSocket } from './GuardedSocket';
import { closeInfoForUnreadable } from './inbound';
import type { RefusalBudget } from './RefusalBudget';
import { awarenessMessage, readYwsMessage, stepOneAnswer, type YwsRequest } from './ywsCodec';

/** A peer of one room, as a session drives it. */
export interface SessionPeer extends RoomPeer {
  readonly room: DocRoom;
  /** Sends one y-websocket message of this peer's document (a reply). */
  reply(message: Uint8Array): void;
}

/** How an endpoint's peer hears what became of its changes. */
export interface SessionEndpoint<V> {
  readonly socket: GuardedSocket;
  /** Who this is, for logs. */
  readonly label: string;
  /** Tells the peer a change of `doc` was refused. */
  sendRefusal(doc: string, refusal: Refusal): void;
  /** Acknowledges `doc`'s changes up to `value`. */
  sendAck(doc: string, value: V): void;
}

export interface PeerSessionOptions<V> {
  endpoint: SessionEndpoint<V>;
  log: RelayLog;
  /** The refused writes this session spends from: its user's, shared with their other connections. */
  refusals: RefusalBudget;
  /** Whether ack `a` is newer than `b` (only the newest waiting ack of a document is sent). */
  newer: (a: V, b: V) => boolean;
  /** A change too large for the document closes the socket (4413) instead of being answered. */
  tooLargeCloses: boolean;
  /** Close reasons for unreadable messages start with the document's name (one socket carries many). */
  nameDocInCloses: boolean;
  /** Where per-stage timings of changes go (diagnostics on). */
  stages?: StageTimings;
  /** Where acknowledged and refused changes are counted (/metrics). */
  metrics?: ChangeCounters;
  /** Told of every refused change (the health page's recent refusals): its document, the mux error or close code, the reason. */
  onRefused?: (doc: string, code: number, reason: string) => void;
}

/** The ack of a change, given whether it wrote anything; null: none. */
export type AckOf<V> = (wrote: boolean) => V | null;

const noAck = (): null => null;

export class PeerSession<V> {
  /** Made by the first change: most connections of a relay are idle. */
  private acks: DurableAckBatcher<V> | null = null;

  constructor(private readonly options: PeerSessionOptions<V>) {}

  private get socket(): GuardedSocket {
    return this.options.endpoint.socket;
  }

  /**
   * Handles one y-websocket message of `peer`'s document. Call from the
   * room's `run` (or `runOnRead` for a sync step 1). `ack` acknowledges an
   * update it carries.
   */
  receive(peer: SessionPeer, message: Uint8Array, ack: AckOf<V> = noAck): void {
    if (!this.socket.isOpen) return;
    let request: YwsRequest;
    try {
      request = readYwsMessage(message);
      switch (request.kind) {
        case 'missing':
          for (const reply of stepOneAnswer(peer.room.missing(request.stateVector))) peer.reply(reply);
          return;
        case 'awareness':
          return peer.room.applyPresence(request.update, peer);
        case 'queryAwareness':
          return peer.reply(awarenessMessage(peer.room.presence.allStates()));
        case 'ignored':
          return;
        case 'update':
          break;
      }
    } catch (err) {
      return this.unreadable(peer, err);
    }
    this.answer(peer, peer.room.apply([request.update], peer), ack);
  }

  /** Applies one change of `peer`'s (read from the socket at `readAt`, performance.now()) and answers it. Call from the room's `run`. */
  apply(peer: SessionPeer, update: Uint8Array, ack: AckOf<V>, readAt?: number): void {
    if (this.socket.isOpen) this.timedApply(peer, [update], ack, readAt);
  }

  /**
   * Applies changes `peer` sent together as one, acknowledged by `ack`; when
   * they are not accepted together each is redone in its place through
   * `one`, which answers it (a refusal, an unreadable one). Call from `run`.
   */
  applyTogether(peer: SessionPeer, updates: readonly Uint8Array[], ack: AckOf<V>, one: (index: number) => void, readAt?: number): void {
    if (!this.socket.isOpen) return;
    if (!this.timedApply(peer, updates, ack, readAt, true)) peer.room.runInPlace(updates.map((_, i) => () => one(i)));
  }

  /**
   * Applies and answers `updates`; false, answering nothing, when `onlyIfAccepted`
   * and they were not accepted. With diagnostics on, each stage is timed.
   */
  private timedApply(peer: SessionPeer, updates: readonly Uint8Array[], ack: AckOf<V>, readAt: number | undefined, onlyIfAccepted = false): boolean {
    const { stages, metrics } = this.options;
    const started = stages || metrics ? performance.now() : 0;
    const applied = peer.room.apply(updates, peer);
    if (onlyIfAccepted && applied.kind !== 'accepted') return false;
    let onDurable: (() => void) | undefined;
    if ((metrics || stages) && applied.kind === 'accepted') {
      const done = performance.now();
      if (stages && readAt !== undefined) stages.record('queued', started - readAt);
      stages?.record('apply', done - started);
      // Counted here, not read from `updates` later: those are views into the socket's read buffer.
      const count = updates.length;
      const from = readAt ?? started;
      onDurable = () => {
        metrics?.acked(count, (performance.now() - from) / 1000);
        stages?.record('store', performance.now() - done);
      };
    }
    this.answer(peer, applied, ack, onDurable);
    return true;
  }

  /** Drops every ack not yet sent for `doc` (the peer closed it). */
  forget(doc: string): void {
    this.acks?.forget(doc);
  }

  /** Stops acknowledging (the socket closed). */
  stop(): void {
    this.acks?.stop();
  }

  /**
   * Answers what `apply` did. `onDurable` runs once an accepted change is
   * durable, in the same wait as its ack: each wait lasts as long as the
   * fsync, long enough for the young generation to promote it, so a change
   * keeps one, not one per purpose.
   */
  private answer(peer: SessionPeer, applied: Applied, ack: AckOf<V>, onDurable?: () => void): void {
    const doc = peer.room.name;
    switch (applied.kind) {
      case 'unreadable':
        return this.unreadable(peer, applied.error);
      case 'refused':
        return this.refused(doc, applied);
      case 'accepted': {
        const value = ack(applied.wrote);
        if (value === null) {
          if (onDurable) applied.durable.then(onDurable, () => {});
          return;
        }
        this.acks ??= new DurableAckBatcher((d, v) => this.options.endpoint.sendAck(d, v), this.options.newer, this.options.stages);
        this.acks.after(applied.durable, doc, value, onDurable);
      }
    }
  }

  private refused(doc: string, refusal: Refusal): void {
    const { endpoint, log, metrics } = this.options;
    metrics?.refused(refusal.missing ? 'missing_changes' : refusal.tooLarge ? 'too_large' : 'forbidden');
    const code = refusal.missing ? MuxErrorCode.missingChanges : refusal.tooLarge ? MuxErrorCode.docTooLarge : MuxErrorCode.permissionDenied;
    this.options.onRefused?.(doc, code, refusal.reason);
    if (refusal.missing) {
      // Not the sender's fault (a restore): nothing counts against it, the change stays pending.
      log.info({ conn: endpoint.label, doc, reason: refusal.reason }, 'change waits for changes the relay lacks');
      return endpoint.sendRefusal(doc, refusal);
    }
    if (refusal.tooLarge && this.options.tooLargeCloses) return this.socket.close(CloseCode.tooLarge, refusal.reason);
    log.warn({ conn: endpoint.label, doc, reason: refusal.reason }, 'write refused');
    if (!this.options.refusals.spend()) return this.socket.close(CloseCode.forbidden, 'too many refused writes');
    endpoint.sendRefusal(doc, refusal);
  }

  private unreadable(peer: SessionPeer, err: unknown): void {
    this.options.metrics?.refused('unreadable');
    const message = (err as Error).message;
    this.options.onRefused?.(peer.room.name, closeInfoForUnreadable(err).code, message);
    this.socket.close(closeInfoForUnreadable(err), this.options.nameDocInCloses ? `${peer.room.name}: ${message}` : message);
  }
}
