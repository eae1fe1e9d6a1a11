/**
 * One document on the relay: its Y.Doc in memory, the peers subscribed to it,
 * and the ordered path of its changes to disk. Every change a peer makes is
 * applied, broadcast at once, and appended to the store; `whenDurable()`
 * resolves once everything received so far is fsynced, which is what acks
 * wait for.
 */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { DocStore } from '../../shared/DocStore';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import type { RoomPeer } from './RoomPeer';

/** y-websocket message types. */
export const YMessage = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

/** Origin of updates replayed from disk: they are not written back. */
const FROM_STORE = Symbol('from-store');

/** Outcome of one inbound y-websocket message. */
export type ReceiveResult =
  | { kind: 'ok'; reply?: Uint8Array; wrote: boolean }
  | { kind: 'refused'; reason: string; tooLarge: boolean };

/** Thrown for a y-websocket message of a type the relay does not know. */
export class UnknownMessageTypeError extends Error {}

export class DocRoom {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly whenLoaded: Promise<void>;
  loaded = false;
  private readonly peers = new Map<RoomPeer, Set<number>>();
  private lastWrite: Promise<void> = Promise.resolve();
  private pendingWrites = 0;
  private storedUpdates = 0;
  private approxBytes = 0;
  private compactionQueued = false;
  private destroyed = false;
  /** Called when the room has no peers and nothing pending (the registry may evict it). */
  onIdle: (room: DocRoom) => void = () => {};
  /** Undo functions of what was attached after load (e.g. the record reviewer). */
  private readonly detachers: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly store: DocStore,
    private readonly limits: RelayLimits,
    private readonly log: RelayLog,
    private readonly onLoaded?: (room: DocRoom) => (() => void) | void,
  ) {
    this.awareness.setLocalState(null);
    this.doc.on('update', this.handleDocUpdate);
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.whenLoaded = this.load();
  }

  get peerCount(): number {
    return this.peers.size;
  }

  get isIdle(): boolean {
    return this.peers.size === 0 && this.pendingWrites === 0;
  }

  /** Resolves once every change received so far is on disk. */
  whenDurable(): Promise<void> {
    return this.lastWrite;
  }

  /** The state vector as of now (what the relay holds in memory). */
  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }

  /** Adds a peer and sends it the relay's sync step 1 and current awareness. */
  subscribe(peer: RoomPeer, opts: { sendSyncStep1: boolean }): void {
    if (this.peers.has(peer)) return;
    this.peers.set(peer, new Set());
    if (opts.sendSyncStep1) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, YMessage.sync);
      syncProtocol.writeSyncStep1(e, this.doc);
      peer.send(encoding.toUint8Array(e));
    }
    const states = this.awareness.getStates();
    if (states.size > 0) {
      peer.send(this.encodeAwareness(Array.from(states.keys())));
    }
  }

  /** Removes a peer and the awareness states it controlled. */
  unsubscribe(peer: RoomPeer): void {
    const controlled = this.peers.get(peer);
    if (!controlled) return;
    this.peers.delete(peer);
    if (controlled.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, Array.from(controlled), null);
    }
    this.checkIdle();
  }

  /**
   * Handles one y-websocket message from `peer`. Throws on malformed bytes
   * (decoding errors) and UnknownMessageTypeError; the caller closes the socket.
   */
  receive(message: Uint8Array, peer: RoomPeer): ReceiveResult {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case YMessage.sync:
        return this.receiveSync(decoder, peer);
      case YMessage.awareness: {
        const update = decoding.readVarUint8Array(decoder);
        awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer);
        return { kind: 'ok', wrote: false };
      }
      case YMessage.queryAwareness:
        return {
          kind: 'ok',
          wrote: false,
          reply: this.encodeAwareness(Array.from(this.awareness.getStates().keys())),
        };
      case YMessage.auth:
        // Auth messages only flow relay -> client; a client's is ignored.
        return { kind: 'ok', wrote: false };
      default:
        throw new UnknownMessageTypeError(`unknown y-websocket message type ${type}`);
    }
  }

  /** Applies an update sent outside the y-websocket envelope (a mux `change`). */
  applyUpdate(update: Uint8Array, peer: RoomPeer): ReceiveResult {
    const refusal = this.refusal(update, peer);
    if (refusal) return refusal;
    const writesBefore = this.storedUpdates;
    Y.applyUpdate(this.doc, update, peer);
    // Structs whose dependencies are missing wait in `pendingStructs` and emit
    // no 'update'; store the raw bytes too so an ack never covers bytes that
    // exist only in memory.
    const store = this.doc.store;
    if (store.pendingStructs !== null || store.pendingDs !== null) this.persist(update);
    return { kind: 'ok', wrote: this.storedUpdates !== writesBefore };
  }

  /** Drops the document from memory. Only call when `isIdle`. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const detach of this.detachers.splice(0)) detach();
    this.doc.off('update', this.handleDocUpdate);
    this.awareness.off('update', this.handleAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
  }

  private async load(): Promise<void> {
    const updates = await this.store.load(this.name);
    Y.transact(
      this.doc,
      () => {
        for (const update of updates) Y.applyUpdate(this.doc, update, FROM_STORE);
      },
      FROM_STORE,
    );
    this.storedUpdates = updates.length;
    this.approxBytes = updates.reduce((sum, u) => sum + u.byteLength, 0);
    this.loaded = true;
    const detach = this.onLoaded?.(this);
    if (detach) this.detachers.push(detach);
    this.maybeCompact();
  }

  private receiveSync(decoder: decoding.Decoder, peer: RoomPeer): ReceiveResult {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, YMessage.sync);
        syncProtocol.writeSyncStep2(e, this.doc, decoding.readVarUint8Array(decoder));
        return { kind: 'ok', wrote: false, reply: encoding.toUint8Array(e) };
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        return this.applyUpdate(decoding.readVarUint8Array(decoder), peer);
      default:
        throw new UnknownMessageTypeError(`unknown sync message type ${syncType}`);
    }
  }

  private refusal(update: Uint8Array, peer: RoomPeer): ReceiveResult | null {
    if (this.approxBytes + update.byteLength > this.limits.maxDocBytes) {
      return { kind: 'refused', reason: `document ${this.name} would exceed ${this.limits.maxDocBytes} bytes`, tooLarge: true };
    }
    const reason = peer.checkWrite(update, this);
    return reason === null ? null : { kind: 'refused', reason, tooLarge: false };
  }

  private readonly handleDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === FROM_STORE) return;
    const durable = this.persist(update);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, YMessage.sync);
    syncProtocol.writeUpdate(e, update);
    const message = encoding.toUint8Array(e);
    // Broadcast only what is on disk: a device never holds a change of
    // someone else's that the relay could still lose in a crash.
    durable.then(
      () => {
        for (const peer of this.peers.keys()) {
          if (peer !== origin) peer.send(message);
        }
      },
      () => {},
    );
  };

  private readonly handleAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = added.concat(updated, removed);
    const controlled = this.peers.get(origin as RoomPeer);
    if (controlled) {
      for (const id of added) controlled.add(id);
      for (const id of removed) controlled.delete(id);
    }
    const message = this.encodeAwareness(changed);
    for (const peer of this.peers.keys()) peer.send(message);
  };

  private encodeAwareness(clients: number[]): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, YMessage.awareness);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(e);
  }

  private persist(update: Uint8Array): Promise<void> {
    this.storedUpdates++;
    this.approxBytes += update.byteLength;
    const durable = this.track(this.store.append(this.name, update));
    this.maybeCompact();
    return durable;
  }

  /** Compacts while the document stays open, so a busy shift does not grow the log without bound. */
  private maybeCompact(): void {
    if (this.compactionQueued || this.destroyed) return;
    if (this.storedUpdates < 2) return;
    if (this.storedUpdates < this.limits.compactAfterUpdates && this.approxBytes < this.limits.compactAfterBytes) return;
    this.compactionQueued = true;
    // Deferred so a burst of updates in one tick is compacted once.
    setImmediate(() => {
      this.compactionQueued = false;
      if (this.destroyed) return;
      const state = Y.encodeStateAsUpdate(this.doc);
      this.storedUpdates = 1;
      this.approxBytes = state.byteLength;
      this.track(this.store.compact(this.name, state));
    });
  }

  private track(write: Promise<void>): Promise<void> {
    this.pendingWrites++;
    const done = write.then(
      () => {
        this.pendingWrites--;
        this.checkIdle();
      },
      (err: unknown) => {
        this.pendingWrites--;
        this.log.error({ doc: this.name, err: String(err) }, 'write failed for good');
        throw err;
      },
    );
    this.lastWrite = done;
    done.catch(() => {});
    return done;
  }

  private checkIdle(): void {
    if (this.isIdle && !this.destroyed) this.onIdle(this);
  }
}
