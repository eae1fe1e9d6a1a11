/**
 * One document on the relay: its Y.Doc in memory, the peers subscribed to it,
 * and the ordered path of its changes to disk. It speaks no wire protocol:
 * endpoints read their messages and ask it for what a state vector lacks
 * (`missing`), to apply changes (`apply`) and to pass on presence.
 *
 * A peer's change goes through explicit steps: the peer's write policy
 * judges it before it touches the document; an accepted one is applied,
 * stored as the bytes it arrived in (no re-encoding), handed to the room's
 * follower (the record reviewer and index) with what it added, and forwarded
 * to the other peers once durable. A refused one never reaches the document,
 * the disk or another peer. `apply` returns the refusal, or the promise the
 * store write resolves, which is what acks wait for.
 */
import * as Y from 'yjs';
import type { DocStore } from '../storage/DocStore';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import type { StageTimings } from '../diag/StageTimings';
import { advancedClients } from './transactionClocks';
import type { JudgedDoc } from '../policy/writeRefusal';
import type { Verdict } from '../policy/judgeUpdate';
import { readChange, readChanges, type ChangeReading } from '../policy/readChange';
import type { UpdateReader } from '../policy/decodeUpdate';
import { RecordRoot } from '../../shared/model/recordLayout';
import { writeClaims } from '../../shared/model/writers';
import { applyJudged, type AcceptedChange } from './applyJudged';
import { RoomAwareness } from './RoomAwareness';
import type { StateVector } from './StoredSegments';
import { RoomLog, deletesOnlyOf, snapshotOf } from './RoomLog';
import { Broadcast, type RoomPeer } from './RoomPeer';

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

/** Sends durable `updates` to every peer of `peers` but `from`, one frame per update for all of them. */
function forwardDurable(peers: ReadonlySet<RoomPeer>, updates: readonly Uint8Array[], from: RoomPeer | null): void {
  for (const update of updates) {
    let shared: Broadcast | null = null;
    for (const peer of peers) {
      if (peer !== from) peer.sendUpdate(update, (shared ??= new Broadcast()));
    }
  }
}

/**
 * A room's Y.Doc. Its events reach their listeners as Yjs's do, but an event
 * nobody listens to costs nothing: lib0's `emit` copies the listeners into a
 * new array, from a new Map when there are none, and a transaction emits six
 * events of which the relay listens to one (about 2 us of every change).
 */
class RoomDoc extends Y.Doc {
  override emit(name: Parameters<Y.Doc['emit']>[0], args: readonly unknown[]): void {
    const listeners = this._observers.get(name);
    if (listeners === undefined) return;
    // A copy, as lib0's: a listener added while the event is emitted does not get it.
    for (const listener of Array.from(listeners)) listener(...args);
  }
}

/**
 * A room's Y.Doc, named after the document. Yjs otherwise makes it a random
 * guid (a uuid from 31 calls to getRandomValues: 150 us of every room opened
 * in the throughput bench) that nothing on the relay reads.
 */
function roomDoc(name: string): Y.Doc {
  return new RoomDoc({ guid: name });
}

/** How long to wait before retrying a reload that failed (disk trouble). */
const RELOAD_RETRY_MS = 500;

/**
 * Where a room is in its life. A reload (`rollback`) reads the document
 * again after Yjs kept part of an update the relay refused: it cannot take
 * integrated items back.
 */
export type RoomPhase =
  /** Reading the stored bytes. Nothing can be answered yet. */
  | { readonly kind: 'reading'; readonly cause: 'first load' | 'rollback' }
  /** The stored bytes are read and the document is being built: step 1s are answered from the bytes. */
  | { readonly kind: 'building'; readonly cause: 'first load' | 'rollback' }
  | { readonly kind: 'loaded' }
  /** Dropped from memory; nothing more happens. */
  | { readonly kind: 'evicted' };

/** A peer's change refused: why, and whether it is the sender's fault. */
export interface Refusal {
  readonly kind: 'refused';
  readonly reason: string;
  /** It would make the document larger than the limit. */
  readonly tooLarge: boolean;
  /** It builds on changes the relay lacks (a restore): not the sender's fault, it stays pending. */
  readonly missing: boolean;
}

/** What `apply` did with a peer's change. */
export type Applied =
  | Refusal
  /** Bytes that are not a Yjs update; nothing of them was kept. */
  | { readonly kind: 'unreadable'; readonly error: unknown }
  /** Kept (`wrote`: something was new); `durable` resolves once it (and everything before) is on disk. */
  | { readonly kind: 'accepted'; readonly wrote: boolean; readonly durable: Promise<void> };

/** What follows a loaded document's accepted changes (the record reviewer and index). */
export interface RoomFollower {
  /** A peer's change was accepted and applied; `change` says what it added. */
  accepted(change: AcceptedChange): void;
  /** The document leaves memory or is reloaded. */
  destroy(): void;
}

export interface DocRoomOptions {
  name: string;
  store: DocStore;
  limits: RelayLimits;
  log: RelayLog;
  /** The site the relay serves (what writes are judged against); default 'main'. */
  site?: string;
  /** Called each time the document is (re)built; what it returns follows its accepted changes. */
  follow?: (room: DocRoom) => RoomFollower | undefined;
  /** Where compaction times go (diagnostics on). */
  stages?: StageTimings;
  /** What decodes peers' changes (the registry's, shared by every room); default one that remembers no keys. */
  reader?: UpdateReader;
}

// The room is what the write policy reads of it (JudgedDoc): thousands of
// rooms stay open at once, so it is not one more object with its own closures.
export class DocRoom implements JudgedDoc {
  readonly name: string;
  /** The site the relay serves. */
  readonly site: string;
  /** The document in memory; replaced when a refused update is rolled back. */
  doc: Y.Doc;
  /** Resolves when the document was first read from disk; rejects if that failed. */
  readonly whenLoaded: Promise<void>;
  private phase: RoomPhase = { kind: 'reading', cause: 'first load' };
  /** Work that only needs the stored bytes (answering a sync step 1), in arrival order. */
  private readonly readWaiting: (() => void)[] = [];
  /** Peers subscribed before the document was built: they get the relay's state vector once it is. */
  private stateVectorOwed: Set<RoomPeer> | null = null;
  private readonly peers = new Set<RoomPeer>();
  /** Presence of the peers, each allowed to set only its own. */
  readonly presence: RoomAwareness<RoomPeer>;
  /** Work that waits for the document to be loaded, in arrival order. */
  private readonly waiting: (() => void)[] = [];
  /** The ordered path to disk, and what the store holds since the last compaction. */
  private readonly written: RoomLog;
  private readonly store: DocStore;
  private readonly limits: RelayLimits;
  private readonly log: RelayLog;
  private readonly follow: ((room: DocRoom) => RoomFollower | undefined) | undefined;
  private readonly reader: UpdateReader | undefined;
  /** What follows the accepted changes of the document as built now. */
  private follower: RoomFollower | null = null;
  /** Called when the room has no peers and nothing pending (the registry may evict it). */
  onIdle: (room: DocRoom) => void = () => {};
  /** Called each time a change of the document (a peer's or the relay's own) became durable. */
  onDurableChange: (room: DocRoom) => void = () => {};

  constructor(options: DocRoomOptions) {
    const { name, store, limits, log } = options;
    this.name = name;
    this.doc = roomDoc(name);
    this.store = store;
    this.limits = limits;
    this.log = log;
    this.follow = options.follow;
    this.reader = options.reader;
    this.site = options.site ?? 'main';
    this.presence = new RoomAwareness<RoomPeer>({
      broadcast: (update) => {
        const shared = new Broadcast();
        for (const peer of this.peers) peer.sendAwareness(update, shared);
      },
      log,
      doc: name,
    });
    this.written = new RoomLog({
      name,
      store,
      limits,
      log,
      // While reloading, `doc` does not hold everything on disk: the reload compacts again if needed.
      snapshot: () => (this.phase.kind === 'loaded' ? this.snapshot(options.stages) : null),
      onSettled: () => this.checkIdle(),
    });
    this.whenLoaded = this.load();
  }

  /** The document as one update to compact to, timed when diagnostics are on. */
  private snapshot(stages: StageTimings | undefined): ReturnType<typeof snapshotOf> {
    if (!stages) return snapshotOf(this.doc);
    const started = performance.now();
    const snapshot = snapshotOf(this.doc);
    stages.record('compact', performance.now() - started);
    return snapshot;
  }

  /** Where the room is in its life. */
  get lifecycle(): RoomPhase {
    return this.phase;
  }

  /** True when the document is built and takes changes. */
  get loaded(): boolean {
    return this.phase.kind === 'loaded';
  }

  private get bytesRead(): boolean {
    return this.phase.kind === 'building' || this.phase.kind === 'loaded';
  }

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
   * (`missing`), so a device opening a large record gets it straight from disk.
   */
  runOnRead(task: () => void): void {
    if (this.bytesRead && this.readWaiting.length === 0) task();
    else this.readWaiting.push(task);
  }

  /**
   * Runs `tasks` in order ahead of anything already waiting in `run`'s queue:
   * work redone in its place (changes refused together, one by one). Tasks
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

  /**
   * Adds a peer and sends it the relay's state vector (once the document is
   * built, when `sendStateVector`) and current presence. Call from
   * `runOnRead`: every change applied after that reaches the peer.
   */
  subscribe(peer: RoomPeer, opts: { sendStateVector: boolean }): void {
    if (this.peers.has(peer)) return;
    this.peers.add(peer);
    if (opts.sendStateVector) {
      if (this.loaded) peer.sendStateVector(this.stateVector());
      else (this.stateVectorOwed ??= new Set()).add(peer);
    }
    const presence = this.presence.statesUpdate();
    if (presence) peer.sendAwareness(presence, new Broadcast());
  }

  /** Removes a peer and the presence it controlled. */
  unsubscribe(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return;
    this.stateVectorOwed?.delete(peer);
    this.presence.peerLeft(peer);
    this.checkIdle();
  }

  /** The stored updates a holder of `stateVector` (encoded) lacks, in store order. Call from `runOnRead`. */
  missing(stateVector: Uint8Array): Uint8Array[] {
    return this.written.missing(Y.decodeStateVector(stateVector));
  }

  /**
   * Applies a peer's presence update. Throws on malformed bytes, before
   * anything is applied (the caller closes the socket).
   */
  applyPresence(update: Uint8Array, peer: RoomPeer): void {
    // A peer that already left must not leave a state behind.
    if (this.peers.has(peer)) this.presence.apply(update, peer);
  }

  /**
   * Applies a change `peer` sent, in one or several updates (mux `change`
   * frames that arrived in one read, as one transaction): all of it or none.
   * Its write policy judges the whole first. Call from `run`; a caller that
   * must answer each of several updates on its own redoes them one by one
   * with `runInPlace` when they are not accepted together.
   */
  apply(updates: readonly Uint8Array[], peer: RoomPeer): Applied {
    let bytes = 0;
    for (const update of updates) bytes += update.byteLength;
    if (this.written.approxBytes + bytes > this.limits.maxDocBytes) {
      return { kind: 'refused', reason: `document ${this.name} would exceed ${this.limits.maxDocBytes} bytes`, tooLarge: true, missing: false };
    }
    const notAllowed = peer.writes.refuseAny(this.name);
    if (notAllowed !== null) return { kind: 'refused', reason: notAllowed, tooLarge: false, missing: false };
    let verdict: Verdict;
    /** What judging decoded, applied as it is when all of it is kept: the bytes are decoded once. */
    let reading: ChangeReading | null = null;
    /** The bytes a policy without `judgeReading` judged. */
    let judged: Uint8Array | null = null;
    try {
      // A device streaming lines costs one judgement and one transaction per read instead of one per line.
      if (peer.writes.judgeReading) {
        reading = readChanges(this.doc, updates, this.reader) ?? readChange(this.doc, Y.mergeUpdates(updates as Uint8Array[]), this.reader);
        verdict = peer.writes.judgeReading(reading, this);
      } else {
        judged = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates as Uint8Array[]);
        verdict = peer.writes.judge(judged, this);
      }
    } catch (error) {
      return { kind: 'unreadable', error };
    }
    if (verdict.kind === 'nothing') return { kind: 'accepted', wrote: false, durable: this.written.whenDurable() };
    if (verdict.kind === 'refused') return { kind: 'refused', reason: verdict.reason, tooLarge: false, missing: verdict.missing };
    if (verdict.dropped.length > 0) {
      this.log.info({ doc: this.name, peer: peer.label, clients: verdict.dropped }, "left out other devices' changes carried by an update");
    }
    // The claims go first on the same ordered path to disk as the update.
    writeClaims(this.doc, verdict.claims, CLAIM_ORIGIN);
    // Yjs's own check (nothing left pending) stays as a guard: should it find
    // something the judgement missed, the document is reloaded from disk.
    // Kept as sent: the updates themselves, or what judging read of them; else the part judging kept.
    const kept = verdict.update === null || verdict.update === judged ? null : verdict.update;
    const outcome = applyJudged(this.doc, kept !== null ? [kept] : (reading ?? updates), peer);
    if (outcome.tainted) this.reload();
    if (outcome.failure !== null) return { kind: 'unreadable', error: outcome.failure };
    if (outcome.refusal !== null) return { kind: 'refused', reason: outcome.refusal, tooLarge: false, missing: true };
    for (const entry of verdict.entries) this.entryIdSet?.add(entry.id);
    if (outcome.accepted !== null) {
      // Stored as the bytes that arrived, one per frame, unless part of them was left out; the
      // clocks of all of them stand for each (a device that lacks one of them gets them all).
      const stored = kept === null ? updates : [kept];
      this.persistAndForward(stored, peer, outcome.until, outcome.deletes);
      // After the change itself, so what the follower writes follows it to disk.
      this.follower?.accepted(outcome.accepted);
    }
    return { kind: 'accepted', wrote: outcome.changed, durable: this.written.whenDurable() };
  }

  /** The document's name, as the write policy reads it (JudgedDoc). */
  get docName(): string {
    return this.name;
  }

  /** Ids of the entries the document holds (JudgedDoc), made on first use and kept up to date. */
  entryIds(): ReadonlySet<string> {
    return (this.entryIdSet ??= entryIdsOf(this.doc));
  }

  /** The device of the live peer that announced `client` as its presence id, if any (JudgedDoc). */
  announcedBy(client: number): string | undefined {
    return this.presence.controllerOf(client)?.writes.sender.device ?? undefined;
  }

  /** What `entryIds` answers (null until first asked, and after a reload). */
  private entryIdSet: Set<string> | null = null;

  /** Drops the document from memory. Only call when `isIdle`. */
  destroy(): void {
    if (this.phase.kind === 'evicted') return;
    this.phase = { kind: 'evicted' };
    this.unfollow();
    this.doc.off('afterTransaction', this.handleAfterTransaction);
    this.presence.destroy();
    this.doc.destroy();
  }

  private async load(): Promise<void> {
    const cause = this.phase.kind === 'reading' ? this.phase.cause : 'first load';
    const updates = await this.store.load(this.name);
    if (this.phase.kind === 'evicted') return;
    // Until the document is built its clocks are unknown.
    this.written.loaded(updates, null, null);
    this.phase = { kind: 'building', cause };
    const answered = this.readWaiting.length > 0;
    while (this.bytesRead && this.readWaiting.length > 0) this.readWaiting.shift()!();
    // Let those answers leave before building a large document blocks the loop.
    if (answered && updates.length > 0) await new Promise((resolve) => setImmediate(resolve));
    // The room may have been evicted meanwhile (TypeScript cannot see the await change it).
    if ((this.phase as RoomPhase).kind === 'evicted') return;
    // The first load fills the document the room was made with; a reload starts a fresh one.
    const doc = cause === 'first load' ? this.doc : roomDoc(this.name);
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
    this.phase = { kind: 'loaded' };
    for (const peer of this.stateVectorOwed ?? []) peer.sendStateVector(this.stateVector());
    this.stateVectorOwed = null;
    this.follower = this.follow?.(this) ?? null;
    this.written.maybeCompact();
    this.drain();
  }

  /**
   * Rolls the document back to what is on disk: waits for every accepted
   * write to be durable, then reads the document again. Messages that
   * arrive meanwhile wait in `run`'s queue.
   */
  private reload(): void {
    if (!this.loaded) return;
    this.phase = { kind: 'reading', cause: 'rollback' };
    this.unfollow();
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

  private unfollow(): void {
    const follower = this.follower;
    this.follower = null;
    follower?.destroy();
  }

  /** Stores the relay's own writes (claims, the record reviewer's), which no peer sent as bytes. */
  private readonly handleAfterTransaction = (txn: Y.Transaction): void => {
    if (!txn.local || txn.origin === FROM_STORE) return;
    const until = advancedClients(txn);
    if (txn.deleteSet.clients.size === 0 && until.size === 0) return;
    // The encoding carries the document's whole delete set: flag it as deleting.
    this.persistAndForward([Y.encodeStateAsUpdate(txn.doc, Y.encodeStateVector(txn.beforeState))], null, until, true);
  };

  /**
   * Appends `received` (one change: updates whose structs reach `until`) to
   * the store and, once durable, sends them to every peer but `from`.
   */
  private persistAndForward(received: readonly Uint8Array[], from: RoomPeer | null, until: StateVector, deletes: boolean): void {
    const updates: Uint8Array[] = [];
    let durable: Promise<void> | null = null;
    for (const bytes of received) {
      const appended = this.written.append(bytes, until, deletes);
      updates.push(appended.update);
      durable = appended.durable;
    }
    // Forward only what is on disk: a device never holds a change of
    // someone else's that the relay could still lose in a crash. Writes are
    // durable in order, so the last one stands for all: one wait per change,
    // not per update (each wait lives as long as the fsync, long enough for
    // the young generation to promote it).
    durable?.then(
      () => {
        this.onDurableChange(this);
        // Most changes have no other reader. Those that do are forwarded after
        // the acks of the same fsync have gone out (the acks leave in this turn
        // of the loop, `DurableAckBatcher`): a sender waits on its ack for
        // "on the relay", while the other devices wait on nothing in particular.
        if (this.peers.size > (from !== null && this.peers.has(from) ? 1 : 0)) setImmediate(forwardDurable, this.peers, updates, from);
      },
      () => {},
    );
  }

  private checkIdle(): void {
    if (this.isIdle) this.onIdle(this);
  }
}
