/**
 * `/mux`: one socket per device carrying many documents (PROTOCOL.md §2).
 * Each open document gets its own RoomPeer, so rooms see a multiplexed device
 * exactly like a stock per-document client. `change` frames are acknowledged
 * with `ack` once the document's writes up to them are fsynced.
 */
import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes';
import { isDocName } from '../../shared/protocol/docNames';
import {
  MalformedFrameError,
  MuxErrorCode,
  readMuxFrame,
  writeAckFrame,
  writeChangedFrame,
  writeDocFrame,
  writeDocUpdateFrame,
  writeErrorFrame,
  writeNoticeFrame,
  writeSendLogRequestFrame,
  writeStatusFrame,
  type ChangeFrame,
  type FetchFrame,
  type MuxFrame,
  type WatchAddFrame,
  type WatchFrame,
} from '../../shared/protocol/muxMessages';
import type { DocRegistry } from '../sync/DocRegistry';
import { MAX_FETCHES_WAITING, answerFetch, malformedFetch } from '../sync/BulkFetch';
import { MAX_WATCHED_DOCS, type ChangeFeed, type Watcher } from '../sync/ChangeFeed';
import type { RecordSummaries } from '../sync/RecordSummaries';
import type { DocRoom, Refusal } from '../sync/DocRoom';
import type { Broadcast } from '../sync/RoomPeer';
import type { RelayLimits } from '../limits';
import type { RelayLog } from '../log';
import { GuardedSocket } from './GuardedSocket';
import { checkInbound } from './inbound';
import { PeerSession, type SessionEndpoint, type SessionPeer } from './PeerSession';
import type { ConnectionOptions } from './ConnectionOptions';
import { awarenessMessage, needsOnlyStoredBytes, stepOneMessage } from './ywsCodec';
import type { Principal } from './Principal';
import { writePolicyFor, type WritePolicy } from '../policy/writeRefusal';
import type { NoticeLog, StoredNotice } from '../notices/NoticeLog';
import { ClaimError } from '../../shared/health/claims';
import { readHeartbeat, type DeviceHeartbeat } from '../../shared/health/heartbeat';
import type { SendLogPulls } from '../health/SendLogPulls';
import { refusalRecorder } from '../health/refusalRecorder';
import { ThrottledWarnings } from '../sync/ThrottledWarnings';
import { NoticeSeenGate } from './NoticeSeenGate';
import type { NoticeReceipts } from '../notices/NoticeReceipts';
import type { DeviceSightings } from '../health/DeviceSightings';

/** One document as seen through one mux connection: y-websocket messages inside `doc` frames. */
class MuxDocPeer implements SessionPeer {
  constructor(
    readonly room: DocRoom,
    private readonly conn: MuxConnection,
  ) {}
  get label(): string {
    return `${this.conn.label}:${this.room.name}`;
  }
  get writes(): WritePolicy {
    return this.conn.writes;
  }
  sendStateVector(stateVector: Uint8Array): void {
    this.reply(stepOneMessage(stateVector));
  }
  sendUpdate(update: Uint8Array, shared: Broadcast): void {
    // Every mux peer of the room frames it alike: one frame for all of them.
    this.conn.socket.send(shared.as('mux', () => writeDocUpdateFrame(this.room.name, update)));
  }
  sendAwareness(update: Uint8Array, shared: Broadcast): void {
    this.conn.socket.send(shared.as('mux', () => writeDocFrame(this.room.name, awarenessMessage(update, shared))));
  }
  reply(message: Uint8Array): void {
    this.conn.socket.send(writeDocFrame(this.room.name, message));
  }
}

const newerChangeNo = (a: number, b: number): boolean => a > b;

// A relay holds thousands of idle connections: what each one keeps is kept
// small (no label strings, no ack state until the first change, one listener
// per socket event).
export class MuxConnection implements SessionEndpoint<number> {
  readonly socket: GuardedSocket;
  readonly writes: WritePolicy;
  private readonly peers = new Map<string, MuxDocPeer>();
  /** Refusals and acks. */
  private readonly session: PeerSession<number>;
  /** `change` frames of the read being handled, per document, applied together after it (`flushChanges`). */
  private changes: Map<MuxDocPeer, ChangeFrame[]> | null = null;
  /** When the read of `changes` arrived (diagnostics on). */
  private changesReadAt: number | undefined;
  /** The fetches being answered, one after the other (null: none since the last finished). */
  private fetching: Promise<void> | null = null;
  /** Fetches received and not yet fully answered. */
  private fetchesWaiting = 0;
  /** The documents this connection watches, made on its first `watch`. */
  private watcher: Watcher | null = null;
  private readonly changeFeed: ChangeFeed | undefined;
  private readonly recordSummaries: RecordSummaries | undefined;
  private readonly notices: NoticeLog | undefined;
  private readonly sendLogPulls: SendLogPulls | undefined;
  /** When the socket was admitted, and when the device was last heard from (relay time, ms): the health page. */
  readonly connectedAt = Date.now();
  heardAt = this.connectedAt;
  /** The device's last heartbeat, every field checked, and when it came (null: none yet). */
  report: DeviceHeartbeat | null = null;
  reportedAt: number | null = null;
  /** The budget of this connection's noticeSeen frames, made on the first one. */
  private seenGate: NoticeSeenGate | null = null;
  private warningsMade: ThrottledWarnings<'unknownNotice' | 'noticeSeenTooFast' | 'unreadableHeartbeat'> | null = null;
  /** The store identity this device asked for in its status frames (ConnectionOptions.store). */
  private readonly store: string | undefined;
  private readonly noticeReceipts: NoticeReceipts | undefined;
  private readonly sightings: DeviceSightings | undefined;

  readonly principal: Principal;
  private readonly registry: DocRegistry;
  private readonly limits: RelayLimits;
  private readonly log: RelayLog;
  private readonly connId: number;
  private readonly onClosed: (conn: MuxConnection) => void;
  private readonly stages: ConnectionOptions<MuxConnection>['stages'];

  constructor(ws: WebSocket, options: ConnectionOptions<MuxConnection>) {
    const { principal, limits, log } = options;
    this.principal = principal;
    this.registry = options.registry;
    this.limits = limits;
    this.log = log;
    this.connId = options.connId;
    this.onClosed = options.onClosed;
    this.changeFeed = options.changeFeed;
    this.recordSummaries = options.recordSummaries;
    this.notices = options.notices;
    this.sendLogPulls = options.sendLogPulls;
    this.store = options.store;
    this.noticeReceipts = options.noticeReceipts;
    this.sightings = options.sightings;
    this.writes = writePolicyFor(principal);
    this.socket = new GuardedSocket(ws, limits.maxBufferedBytes, log, this);
    this.session = new PeerSession({ endpoint: this, log, refusals: options.refusals, newer: newerChangeNo, tooLargeCloses: false, nameDocInCloses: true, stages: options.stages, metrics: options.metrics, onRefused: refusalRecorder(options) });
    this.stages = options.stages;
    ws.on('message', (data, isBinary) => {
      const check = checkInbound(data, isBinary, limits.maxMessageBytes);
      if (!check.ok) return this.socket.close(check.close, check.detail);
      this.heardAt = Date.now();
      this.receive(check.bytes);
    });
    ws.on('close', () => {
      this.session.stop();
      this.watcher?.close();
      this.watcher = null;
      for (const peer of this.peers.values()) peer.room.unsubscribe(peer);
      this.peers.clear();
      if (principal.device) this.noticeReceipts?.disconnected(principal.user, principal.device);
      this.sighted();
      this.onClosed(this);
    });
    ws.on('error', (err) => this.log.warn({ conn: this.label, err: err.message }, 'socket error'));
  }

  /** Who this is, for logs: user, device, connection id. */
  get label(): string {
    return `${this.principal.user}@${this.principal.device ?? 'no-device'}#${this.connId}/mux`;
  }

  private get warnings(): ThrottledWarnings<'unknownNotice' | 'noticeSeenTooFast' | 'unreadableHeartbeat'> {
    return (this.warningsMade ??= new ThrottledWarnings(this.log));
  }

  /** Number of documents open on this connection. */
  get openDocs(): number {
    return this.peers.size;
  }

  sendRefusal(doc: string, refusal: Refusal): void {
    const code = refusal.missing ? MuxErrorCode.missingChanges : refusal.tooLarge ? MuxErrorCode.docTooLarge : MuxErrorCode.permissionDenied;
    this.socket.send(writeErrorFrame(doc, code, refusal.reason));
  }

  sendAck(doc: string, changeNo: number): void {
    this.socket.send(writeAckFrame(doc, changeNo));
  }

  /** Tells the device about the relay's storage health (and the store's identity, if it asked). */
  sendStatus(storageOk: boolean, detail: string): void {
    this.socket.send(writeStatusFrame(storageOk, detail, this.store));
  }

  /** Sends one notice of the priority channel (already fsynced), ahead of document traffic waiting for this socket. */
  sendNotice(notice: StoredNotice): void {
    this.socket.sendPriority(noticeFrame(notice));
  }

  /** Asks the device for its whole send log (an admin pulls it from the health page). */
  requestSendLog(requestId: number): void {
    this.socket.send(writeSendLogRequestFrame(requestId));
  }

  /** Sends an already built notice frame (one for every device of a broadcast), in the priority lane. */
  sendNoticeFrame(frame: Uint8Array): void {
    this.socket.sendPriority(frame);
  }

  private receive(bytes: Uint8Array): void {
    let frame: MuxFrame;
    try {
      frame = readMuxFrame(bytes);
    } catch (err) {
      const info = err instanceof MalformedFrameError ? CloseCode.malformed : CloseCode.unknownType;
      return this.socket.close(info, (err as Error).message);
    }
    // Frames other than changes see every change that arrived before them handled first.
    if (frame.type !== 'change') this.flushChanges();
    switch (frame.type) {
      case 'change': {
        const peer = this.open(frame.doc);
        if (peer) this.queueChange(peer, frame);
        return;
      }
      case 'doc': {
        const peer = this.open(frame.doc);
        if (!peer) return;
        const task = (): void => {
          // The device may have closed the document while this frame waited for a load.
          if (this.peers.get(peer.room.name) === peer) this.session.receive(peer, frame.message);
        };
        if (needsOnlyStoredBytes(frame.message)) peer.room.runOnRead(task);
        else peer.room.run(task);
        return;
      }
      case 'closeDoc': {
        const peer = this.peers.get(frame.doc);
        if (peer) {
          this.peers.delete(frame.doc);
          this.session.forget(frame.doc);
          peer.room.unsubscribe(peer);
        }
        return;
      }
      case 'fetch':
        return this.fetch(frame);
      case 'watch':
        return this.watch(frame);
      case 'watchAdd':
        return this.watchAdd(frame);
      case 'noticeSeen':
        return this.noticeSeen(frame.seq);
      case 'heartbeat':
        return this.heartbeat(frame.json);
      case 'sendLog': {
        const malformed = this.sendLogPulls?.answered(this.principal, frame.requestId, frame.json) ?? null;
        if (malformed !== null) this.socket.close(CloseCode.malformed, `sendLog: ${malformed}`);
        return;
      }
      case 'noticesHeld':
        return this.noticesHeld(frame.seq);
      default:
        return this.socket.close(CloseCode.unknownType, `a device may not send ${frame.type} frames`);
    }
  }

  /** Queues the answer to a `fetch` behind the ones before it (BulkFetch). */
  private fetch(frame: FetchFrame): void {
    const malformed = malformedFetch(frame);
    if (malformed !== null) return this.socket.close(CloseCode.malformed, malformed);
    // Each waiting fetch holds its frame: a device that sends fetches faster than it reads the answers is cut off.
    if (this.fetchesWaiting >= MAX_FETCHES_WAITING) {
      return this.socket.close(CloseCode.tooManyDocs, `more than ${MAX_FETCHES_WAITING} fetches waiting for their answers`);
    }
    this.fetchesWaiting++;
    const answer = (): Promise<unknown> =>
      answerFetch(frame, {
        readDurable: (doc) => this.registry.readDurable(doc),
        refuse: (doc) => this.writes.refuseOpen(doc, this.registry.site),
        send: (bytes) => this.socket.sendDrained(bytes),
        log: this.log,
        label: this.label,
        summaries: this.recordSummaries,
      });
    const run = (this.fetching ?? Promise.resolve())
      .then(() => (this.socket.isOpen ? answer() : undefined))
      .catch((err: unknown) => {
        this.log.error({ conn: this.label, requestId: frame.requestId, err: String(err) }, 'fetch could not be answered');
        this.socket.close(CloseCode.loadFailed, 'stored documents could not be read');
      })
      .then(() => {
        this.fetchesWaiting--;
        if (this.fetching === run) this.fetching = null;
      });
    this.fetching = run;
  }

  /** Replaces the watched set with the names of `frame` this connection may read (ChangeFeed). */
  private watch(frame: WatchFrame): void {
    if (frame.docs.length > MAX_WATCHED_DOCS) {
      return this.socket.close(CloseCode.malformed, `watch of ${frame.docs.length} documents (at most ${MAX_WATCHED_DOCS})`);
    }
    if (!this.changeFeed) return;
    this.watcher ??= this.changeFeed.watcher((docs) => this.socket.send(writeChangedFrame(docs)));
    this.watcher.replace(this.watchable('watch', frame.docs));
  }

  /** Adds to the watched set; a set that would pass MAX_WATCHED_DOCS closes the socket (4400), as a `watch` that big does. */
  private watchAdd(frame: WatchAddFrame): void {
    const allowed = this.changeFeed ? this.watchable('watchAdd', frame.docs) : [];
    const after = (this.watcher?.size ?? 0) + allowed.length;
    if (frame.docs.length > MAX_WATCHED_DOCS || after > MAX_WATCHED_DOCS) {
      return this.socket.close(CloseCode.malformed, `watchAdd to ${Math.max(after, frame.docs.length)} documents (at most ${MAX_WATCHED_DOCS})`);
    }
    if (!this.changeFeed) return;
    this.watcher ??= this.changeFeed.watcher((docs) => this.socket.send(writeChangedFrame(docs)));
    this.watcher.add(allowed);
  }

  /** The names of `docs` this connection may read; the others are left out and logged. */
  private watchable(kind: 'watch' | 'watchAdd', docs: readonly string[]): string[] {
    const refused: string[] = [];
    const allowed = docs.filter((doc) => {
      const ok = isDocName(doc) && this.writes.refuseOpen(doc, this.registry.site) === null;
      if (!ok) refused.push(doc.slice(0, 200));
      return ok;
    });
    if (refused.length > 0) {
      this.log.warn({ conn: this.label, refused: refused.length, docs: refused.slice(0, 10) }, `${kind} named documents this connection may not read: left out`);
    }
    return allowed;
  }

  /** Tells the health page's memory of devices what this one last said (a connection naming no device: nothing). */
  private sighted(): void {
    const { device, user } = this.principal;
    if (device) this.sightings?.seen({ device, user, lastContactAt: this.heardAt, reportedAt: this.reportedAt, report: this.report });
  }

  /** Keeps the device's report of itself; a claim that does not read closes the socket (4400). */
  private heartbeat(json: string): void {
    try {
      this.report = readHeartbeat(json);
      this.reportedAt = this.heardAt;
      this.sighted();
    } catch (err) {
      // A report that does not read is dropped, not the device: closing would stop its records
      // syncing over a health claim (an app one version apart, or one odd field). Never thrown
      // out of a ws handler; the relay's log says why, at most once a minute per reason.
      this.report = null;
      this.reportedAt = null;
      const reason = `heartbeat: ${err instanceof ClaimError ? err.message : String(err)}`;
      this.warnings.warn('unreadableHeartbeat', { conn: this.label, reason }, 'heartbeat that does not read: its report is dropped');
    }
  }

  /** Records durably that this connection's user read notice `seq` on its device, within the connection's budget (NoticeSeenGate). */
  private noticeSeen(seq: number): void {
    const notices = this.notices;
    if (!notices) return;
    const by = { user: this.principal.user, device: this.principal.device };
    this.seenGate ??= new NoticeSeenGate({ notices, ...by });
    const gate = this.seenGate;
    const verdict = gate.judge(seq);
    switch (verdict.kind) {
      case 'duplicate':
        return;
      case 'unknown':
        this.warnings.warn('unknownNotice', { conn: this.label, seq }, 'noticeSeen of a notice the relay does not hold: ignored');
        return this.socket.send(writeErrorFrame('', MuxErrorCode.noticeSeenRefused, verdict.reason));
      case 'tooFast':
        this.warnings.warn('noticeSeenTooFast', { conn: this.label, seq }, 'noticeSeen faster than the connection\'s budget: dropped');
        if (verdict.tell) this.socket.send(writeErrorFrame('', MuxErrorCode.noticeSeenRefused, verdict.reason));
        return;
      case 'record':
        notices.acknowledge(seq, by).then(
          (known) => {
            if (!known) gate.failed(seq);
            else if (by.device) this.noticeReceipts?.heard(by.user, by.device, seq);
          },
          (err: unknown) => {
            gate.failed(seq);
            this.log.error({ conn: this.label, seq, err: String(err) }, 'noticeSeen could not be stored');
          },
        );
    }
  }

  /** The device holds every notice up to `seq` (a claim about itself only; capped at what exists). */
  private noticesHeld(seq: number): void {
    const device = this.principal.device;
    if (device && this.notices) this.noticeReceipts?.heard(this.principal.user, device, Math.min(seq, this.notices.lastSeq));
  }

  /** Opens (subscribes) a document on first use; null if refused. */
  private open(doc: string): MuxDocPeer | null {
    const existing = this.peers.get(doc);
    if (existing) return existing;
    if (!isDocName(doc)) {
      this.socket.send(writeErrorFrame(doc.slice(0, 200), MuxErrorCode.badDocName, 'invalid document name'));
      return null;
    }
    const unknown = this.writes.refuseOpen(doc, this.registry.site);
    if (unknown !== null) {
      this.log.warn({ conn: this.label, doc, reason: unknown }, 'refused to open a document');
      this.socket.send(writeErrorFrame(doc, MuxErrorCode.badDocName, unknown));
      return null;
    }
    if (this.peers.size >= this.limits.maxDocsPerConnection) {
      this.socket.close(CloseCode.tooManyDocs, `more than ${this.limits.maxDocsPerConnection} documents`);
      return null;
    }
    const room = this.registry.get(doc);
    const peer = new MuxDocPeer(room, this);
    this.peers.set(doc, peer);
    room.runOnRead(() => {
      if (this.peers.get(doc) === peer && this.socket.isOpen) room.subscribe(peer, { sendStateVector: true });
    });
    room.whenLoaded.catch((err: unknown) => {
      if (this.peers.get(doc) !== peer) return;
      this.peers.delete(doc);
      this.socket.send(writeErrorFrame(doc, MuxErrorCode.storageFailed, `document could not be loaded: ${String(err)}`));
    });
    return peer;
  }

  /** Applies one change frame, acknowledged by its number. */
  private handleChange(peer: MuxDocPeer, frame: ChangeFrame, readAt?: number): void {
    // The device may have closed the document while this frame waited for a load.
    if (this.peers.get(peer.room.name) === peer) this.session.apply(peer, frame.update, () => frame.changeNo, readAt);
  }

  /**
   * Holds a change until the read it came in is handled: ws hands over every
   * frame of one read before the microtask runs, so a device streaming lines
   * to a document has them applied in one transaction.
   */
  private queueChange(peer: MuxDocPeer, frame: ChangeFrame): void {
    if (this.changes === null) {
      this.changes = new Map();
      if (this.stages) this.changesReadAt = performance.now();
      queueMicrotask(() => this.flushChanges());
    }
    const frames = this.changes.get(peer);
    if (frames) frames.push(frame);
    else this.changes.set(peer, [frame]);
  }

  private flushChanges(): void {
    const changes = this.changes;
    if (changes === null) return;
    this.changes = null;
    const readAt = this.changesReadAt;
    for (const [peer, frames] of changes) peer.room.run(() => this.handleChanges(peer, frames, readAt));
  }

  /** Applies `frames` together, or one by one in their place when together they are refused. */
  private handleChanges(peer: MuxDocPeer, frames: ChangeFrame[], readAt: number | undefined): void {
    if (frames.length === 1) return this.handleChange(peer, frames[0]!, readAt);
    if (this.peers.get(peer.room.name) !== peer) return;
    const last = frames[frames.length - 1]!.changeNo;
    this.session.applyTogether(
      peer,
      frames.map((f) => f.update),
      () => last,
      (i) => this.handleChange(peer, frames[i]!),
      readAt,
    );
  }
}

/** The `notice` frame of a stored notice: its seq, and the notice as JSON. */
export function noticeFrame(notice: StoredNotice): Uint8Array {
  return writeNoticeFrame(notice.seq, JSON.stringify(notice));
}
