/**
 * One document on the relay: its Y.Doc in memory, the peers subscribed to it,
 * and the ordered path of its changes to disk.
 *
 * A peer's update is applied inside a transaction and judged by the peer's
 * write policy before the transaction ends; an accepted update is stored as
 * the bytes it arrived in (no re-encoding) and forwarded to the other peers
 * once durable. A refused one never reaches disk or another peer, and the
 * room reloads its document from disk to drop it (Yjs cannot take integrated
 * items back). `whenDurable()` resolves once everything received so far is
 * fsynced, which is what acks wait for.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { DocStore } from '../storage/DocStore';
import { YMessage, syncMessage, syncStep1Of } from '../../shared/protocol/syncMessages';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import { advancedClients } from './transactionClocks';
import type { JudgedDoc } from '../policy/writeRefusal';
import type { Verdict } from '../policy/judgeUpdate';
import { RecordRoot } from '../../shared/model/recordLayout';
import { writeClaims } from '../../shared/model/writers';
import { applyJudged } from './applyJudged';
import { RoomAwareness } from './RoomAwareness';
import type { StateVector } from './StoredSegments';
import { RoomLog, deletesOnlyOf, snapshotOf } from './RoomLog';
import type { RoomPeer } from './RoomPeer';


/** Origin of updates replayed from disk: they are not written back. */
const FROM_STORE = Symbol('from-store');

/** Origin of the relay's claims of new client ids (shared/model/writers.ts). */
const CLAIM_ORIGIN = Symbol('relay-claims');

/** The ids of the entries `doc` holds (any plain object with a string id). */
function entryIdsOf(doc: Y.Doc): Set<string> {
  const ids = new Set<string>();
  for (const value of doc.getArray(RecordRoot.entries).toArray()) {
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

/** How long to wait before retrying a reload that failed (disk trouble). */
const RELOAD_RETRY_MS = 500;

/** Outcome of one inbound y-websocket message. */
export type ReceiveResult =
  | { kind: 'ok'; replies?: Uint8Array[]; wrote: boolean }
  | { kind: 'refused'; reason: string; tooLarge: boolean; missing: boolean };

/** True for a y-websocket sync step 1, which a room answers from its stored bytes alone (`runOnRead`). */
export function needsOnlyStoredBytes(message: Uint8Array): boolean {
  return message.length >= 2 && message[0] === YMessage.sync && message[1] === syncProtocol.messageYjsSyncStep1;
}

/** Thrown for a y-websocket message of a type the relay does not know. */
export class UnknownMessageTypeError extends Error {}

export class DocRoom {
  /** The document in memory; replaced when a refused update is rolled back. */
  doc = new Y.Doc();
  /** Resolves when the document was first read from disk; rejects if that failed. */
  readonly whenLoaded: Promise<void>;
  /** False while the document is being read from disk and built (first load or rollback). */
  loaded = false;
  /** True once the stored bytes are read (before the Y.Doc is built from them). */
  private bytesRead = false;
  /** Work that only needs the stored bytes (answering a sync step 1), in arrival order. */
  private readonly readWaiting: (() => void)[] = [];
  /** Peers subscribed before the document was built: they get the relay's step 1 once it is. */
  private stepOneOwed: Set<RoomPeer> | null = null;
  private readonly peers = new Set<RoomPeer>();
  /** Presence of the peers, each allowed to set only its own. */
  readonly presence: RoomAwareness<RoomPeer>;
  /** Work that waits for the document to be loaded, in arrival order. */
  private readonly waiting: (() => void)[] = [];
  /** The ordered path to disk, and what the store holds since the last compaction. */
  private readonly written: RoomLog;
  /** Whether `doc` was ever filled from the store (a reload then needs a fresh one). */
  private everBuilt = false;
  private destroyed = false;
  /** Called when the room has no peers and nothing pending (the registry may evict it). */
  onIdle: (room: DocRoom) => void = () => {};
  /** Called each time a change of the document (a peer's or the relay's own) became durable. */
  onDurableChange: (room: DocRoom) => void = () => {};
  /** Undoes what was attached after load (the record reviewer), if anything. */
  private detacher: (() => void) | null = null;

  constructor(
    readonly name: string,
    private readonly store: DocStore,
    private readonly limits: RelayLimits,
    private readonly log: RelayLog,
    private readonly onLoaded?: (room: DocRoom) => (() => void) | void,
    options: { site?: string } = {},
  ) {
    this.site = options.site ?? 'main';
    this.presence = new RoomAwareness<RoomPeer>({
      broadcast: (message) => {
        for (const peer of this.peers) peer.send(message);
      },
      log,
      doc: name,
    });
    this.written = new RoomLog(
      name,
      store,
      limits,
      log,
      // While reloading, `doc` does not hold everything on disk: the reload compacts again if needed.
      () => (this.destroyed || !this.loaded ? null : snapshotOf(this.doc)),
      () => this.checkIdle(),
    );
    this.whenLoaded = this.load();
  }

  /** The site the relay serves. */
  readonly site: string;

  get peerCount(): number {
    return this.peers.size;
  }

  get isIdle(): boolean {
    return this.peers.size === 0 && this.written.pendingWrites === 0 && this.loaded && this.waiting.length === 0 && this.readWaiting.length === 0;
  }

  /** Resolves once every change received so far is on disk. */
  whenDurable(): Promise<void> {
    return this.written.whenDurable();
  }

  /** The state vector as of now (what the relay holds in memory). */
  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }

  /**
   * Runs `task` once the document is loaded: at once if it is and nothing
   * waits before it, else in call order after the (re)load. Connections
   * route every message of this document through here.
   */
  run(task: () => void): void {
    if (this.loaded && this.waiting.length === 0) task();
    else this.waiting.push(task);
  }

  /**
   * Runs `task` once the stored bytes are read, which may be before the
   * document is built from them: for subscribing and answering a sync step 1
   * (see `needsOnlyStoredBytes`), so a device opening a large record gets it
   * straight from disk.
   */
  runOnRead(task: () => void): void {
    if (this.bytesRead && this.readWaiting.length === 0) task();
    else this.readWaiting.push(task);
  }

  /**
   * Adds a peer and sends it the relay's sync step 1 (once the document is
   * built) and current awareness. Call from `runOnRead`: every change applied
   * after that reaches the peer.
   */
  subscribe(peer: RoomPeer, opts: { sendSyncStep1: boolean }): void {
    if (this.peers.has(peer)) return;
    this.peers.add(peer);
    if (opts.sendSyncStep1) {
      if (this.loaded) this.sendStepOne(peer);
      else (this.stepOneOwed ??= new Set()).add(peer);
    }
    const presence = this.presence.statesMessage();
    if (presence) peer.send(presence);
  }

  /** Removes a peer and the awareness state it controlled. */
  unsubscribe(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return;
    this.stepOneOwed?.delete(peer);
    this.presence.peerLeft(peer);
    this.checkIdle();
  }

  /**
   * Handles one y-websocket message from `peer`. Throws on malformed bytes
   * (decoding errors) and UnknownMessageTypeError; the caller closes the socket.
   * Call from `run`.
   */
  receive(message: Uint8Array, peer: RoomPeer): ReceiveResult {
    const decoder = decoding.createDecoder(message);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case YMessage.sync:
        return this.receiveSync(decoder, peer);
      case YMessage.awareness: {
        const update = decoding.readVarUint8Array(decoder);
        // A peer that already left must not leave a state behind.
        if (this.peers.has(peer)) this.presence.apply(update, peer);
        return { kind: 'ok', wrote: false };
      }
      case YMessage.queryAwareness:
        return {
          kind: 'ok',
          wrote: false,
          replies: [this.presence.queryAnswer()],
        };
      case YMessage.auth:
        // Auth messages only flow relay -> client; a client's is ignored.
        return { kind: 'ok', wrote: false };
      default:
        throw new UnknownMessageTypeError(`unknown y-websocket message type ${type}`);
    }
  }

  /**
   * Applies a peer's update (a mux `change` or a y-websocket sync step 2 or
   * update), once its write policy has judged what it would do. Throws for
   * bytes that are not a Yjs update. Call from `run`.
   */
  applyUpdate(update: Uint8Array, peer: RoomPeer): ReceiveResult {
    if (this.written.approxBytes + update.byteLength > this.limits.maxDocBytes) {
      return { kind: 'refused', reason: `document ${this.name} would exceed ${this.limits.maxDocBytes} bytes`, tooLarge: true, missing: false };
    }
    const notAllowed = peer.writes.refuseAny(this.name);
    if (notAllowed !== null) return { kind: 'refused', reason: notAllowed, tooLarge: false, missing: false };
    const result = this.judgeAndApply(update, peer);
    if ('failure' in result) throw result.failure;
    return result;
  }

  /**
   * Applies updates a peer sent together (mux `change` frames that arrived in
   * one read) as one, judged as a whole: a device streaming lines then costs
   * one judgement and one transaction per read instead of one per line.
   * Returns false when they must go one by one through `applyUpdate` instead,
   * which answers each (one is refused or unreadable, or they would overflow
   * the document); nothing of them is kept then. Call from `run`, and redo
   * them with `runInPlace`.
   */
  applyTogether(updates: readonly Uint8Array[], peer: RoomPeer): boolean {
    let bytes = 0;
    for (const update of updates) bytes += update.byteLength;
    if (this.written.approxBytes + bytes > this.limits.maxDocBytes) return false;
    if (peer.writes.refuseAny(this.name) !== null) return false;
    let merged: Uint8Array;
    try {
      merged = Y.mergeUpdates(updates as Uint8Array[]);
    } catch {
      return false;
    }
    const result = this.judgeAndApply(merged, peer, updates);
    return !('failure' in result) && result.kind === 'ok';
  }

  /**
   * Judges `update` and, when accepted, records its new client ids, applies
   * it and stores it. A refused update never touches the document. Yjs's own
   * check (nothing left pending) stays as a guard: should it find something
   * the judgement missed, the document is reloaded from disk.
   */
  private judgeAndApply(update: Uint8Array, peer: RoomPeer, parts: readonly Uint8Array[] = [update]): ReceiveResult | { failure: unknown } {
    let verdict: Verdict;
    try {
      verdict = peer.writes.judge(update, this.judgedDoc);
    } catch (err) {
      return { failure: err };
    }
    if (verdict.kind === 'nothing') return { kind: 'ok', wrote: false };
    if (verdict.kind === 'refused') return { kind: 'refused', reason: verdict.reason, tooLarge: false, missing: verdict.missing };
    if (verdict.dropped.length > 0) {
      this.log.info({ doc: this.name, peer: peer.label, clients: verdict.dropped }, "left out other devices' changes carried by an update");
    }
    // The claims go first on the same ordered path to disk as the update.
    writeClaims(this.doc, verdict.claims, CLAIM_ORIGIN);
    const outcome = applyJudged(this.doc, [verdict.update], peer, () => null);
    if (outcome.tainted) this.reload();
    if (outcome.failure !== null) return { failure: outcome.failure };
    if (outcome.refusal !== null) return { kind: 'refused', reason: outcome.refusal, tooLarge: false, missing: true };
    for (const entry of verdict.entries) this.entryIdSet?.add(entry.id);
    if (outcome.changed) {
      // Stored as the bytes that arrived, one per frame, unless part of them was left out; the
      // clocks of all of them stand for each (a device that lacks one of them gets them all).
      const stored = verdict.update === update ? parts : [verdict.update];
      for (const bytes of stored) this.persistAndForward(bytes, peer, outcome.until, outcome.deletes);
    }
    return { kind: 'ok', wrote: outcome.changed };
  }

  /** What the write policy reads of this room. */
  private readonly judgedDoc: JudgedDoc = ((room: DocRoom): JudgedDoc => ({
    get docName(): string {
      return room.name;
    },
    get site(): string {
      return room.site;
    },
    get doc(): Y.Doc {
      return room.doc;
    },
    entryIds: () => (room.entryIdSet ??= entryIdsOf(room.doc)),
    announcedBy: (client) => room.presence.controllerOf(client)?.writes.sender.device ?? undefined,
  }))(this);
  /** Ids of the entries the document holds, made on first use and kept up to date. */
  private entryIdSet: Set<string> | null = null;

  /**
   * Runs `tasks` in order ahead of anything already waiting in `run`'s queue:
   * work redone in its place (updates refused together, one by one). Tasks
   * left when the document starts reloading wait at the front of the queue.
   */
  runInPlace(tasks: readonly (() => void)[]): void {
    for (let i = 0; i < tasks.length; i++) {
      if (!this.loaded) {
        this.waiting.unshift(...tasks.slice(i));
        return;
      }
      tasks[i]!();
    }
  }

  /** Drops the document from memory. Only call when `isIdle`. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.detach();
    this.doc.off('afterTransaction', this.handleAfterTransaction);
    this.presence.destroy();
    this.doc.destroy();
  }

  private async load(): Promise<void> {
    const updates = await this.store.load(this.name);
    if (this.destroyed) return;
    // Until the document is built its clocks are unknown.
    this.written.loaded(updates, null, null);
    this.bytesRead = true;
    const answered = this.readWaiting.length > 0;
    while (this.bytesRead && this.readWaiting.length > 0) this.readWaiting.shift()!();
    // Let those answers leave before building a large document blocks the loop.
    if (answered && updates.length > 0) await new Promise((resolve) => setImmediate(resolve));
    if (this.destroyed) return;
    // The first load fills the document the room was made with; a reload starts a fresh one.
    const doc = this.everBuilt ? new Y.Doc() : this.doc;
    this.everBuilt = true;
    Y.transact(
      doc,
      () => {
        for (const update of updates) Y.applyUpdate(doc, update, FROM_STORE);
      },
      FROM_STORE,
    );
    this.doc.off('afterTransaction', this.handleAfterTransaction);
    this.doc = doc;
    this.entryIdSet = null;
    doc.on('afterTransaction', this.handleAfterTransaction);
    this.written.loaded(updates, Y.decodeStateVector(Y.encodeStateVector(doc)), deletesOnlyOf(doc));
    this.loaded = true;
    for (const peer of this.stepOneOwed ?? []) this.sendStepOne(peer);
    this.stepOneOwed = null;
    const detach = this.onLoaded?.(this);
    if (detach) this.detacher = detach;
    this.written.maybeCompact();
    this.drain();
  }

  private sendStepOne(peer: RoomPeer): void {
    peer.send(syncStep1Of(this.doc));
  }

  /**
   * Rolls the document back to what is on disk: waits for every accepted
   * write to be durable, then reads the document again. Messages that
   * arrive meanwhile wait in `run`'s queue.
   */
  private reload(): void {
    if (!this.loaded || this.destroyed) return;
    this.loaded = false;
    this.bytesRead = false;
    this.detach();
    this.log.info({ doc: this.name }, 'reloading document to drop a refused update');
    const attempt = (): void => {
      this.written
        .whenDurable()
        .catch(() => {})
        .then(() => this.load())
        .catch((err: unknown) => {
          this.log.error({ doc: this.name, err: String(err) }, 'document reload failed; retrying');
          setTimeout(attempt, RELOAD_RETRY_MS).unref();
        });
    };
    attempt();
  }

  private drain(): void {
    while (this.bytesRead && this.readWaiting.length > 0) this.readWaiting.shift()!();
    while (this.loaded && this.waiting.length > 0) this.waiting.shift()!();
    this.checkIdle();
  }

  private detach(): void {
    const undo = this.detacher;
    this.detacher = null;
    undo?.();
  }

  private receiveSync(decoder: decoding.Decoder, peer: RoomPeer): ReceiveResult {
    const syncType = decoding.readVarUint(decoder);
    switch (syncType) {
      case syncProtocol.messageYjsSyncStep1: {
        const missing = this.written.missing(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
        // Everything but the last as plain updates, the last as the step 2
        // that tells the client it is in sync: by then it has all of them.
        const replies = missing.map((part, i) =>
          syncMessage(i === missing.length - 1 ? syncProtocol.messageYjsSyncStep2 : syncProtocol.messageYjsUpdate, part),
        );
        if (replies.length === 0) replies.push(syncMessage(syncProtocol.messageYjsSyncStep2, EMPTY_UPDATE));
        return { kind: 'ok', wrote: false, replies };
      }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        return this.applyUpdate(decoding.readVarUint8Array(decoder), peer);
      default:
        throw new UnknownMessageTypeError(`unknown sync message type ${syncType}`);
    }
  }

  /** Stores the relay's own writes (the record reviewer's), which no peer sent as bytes. */
  private readonly handleAfterTransaction = (txn: Y.Transaction): void => {
    if (!txn.local || txn.origin === FROM_STORE) return;
    const until = advancedClients(txn);
    if (txn.deleteSet.clients.size === 0 && until.size === 0) return;
    // The encoding carries the document's whole delete set: flag it as deleting.
    this.persistAndForward(Y.encodeStateAsUpdate(txn.doc, Y.encodeStateVector(txn.beforeState)), null, until, true);
  };

  /**
   * Appends `received` (whose structs reach `until`) to the store and, once
   * durable, sends it to every peer but `from`.
   */
  private persistAndForward(received: Uint8Array, from: RoomPeer | null, until: StateVector, deletes: boolean): void {
    const { update, durable } = this.written.append(received, until, deletes);
    // Forward only what is on disk: a device never holds a change of
    // someone else's that the relay could still lose in a crash.
    durable.then(
      () => {
        this.onDurableChange(this);
        let message: Uint8Array | null = null;
        for (const peer of this.peers) {
          if (peer === from) continue;
          // Built only when someone else is listening: most changes have no other reader.
          message ??= syncMessage(syncProtocol.messageYjsUpdate, update);
          peer.send(message);
        }
      },
      () => {},
    );
  }

  private checkIdle(): void {
    if (this.isIdle && !this.destroyed) this.onIdle(this);
  }
}


/** An update with no structs and no deletions. */
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());


