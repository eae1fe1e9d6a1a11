/**
 * One open document on a device: a Y.Doc kept in device storage and synced
 * with the relay over the shared mux socket, plus the sync state a crew sees
 * for it (saved on this device, on the relay, pending, stuck and why).
 *
 * Counting: every local transaction is one change, numbered by `changeNo`;
 * the relay's `ack(n)` says changes up to n are on its disk. Both counters are
 * stored with the document, so after a reload the device still knows what the
 * relay lacks. Storage writes a change and its number together; the ack is
 * stored after, so a killed tab can over-report pending work, never under-report
 * it, and over-reported work clears at the next ack. Each ack is stored with
 * the identity of the relay store that gave it: on a relay with another
 * identity (a restore) the stored acks vouch for nothing, and every change
 * counts as pending until that store acknowledges it (ackTrust.ts).
 *
 * A refused change (the relay's `error` frame with code 2, 3, 4 or 5) ends the
 * document's exchange with the relay: Yjs updates of one client id build on
 * each other, so nothing this Y.Doc writes after the refused change can ever
 * be taken by the relay. The document enters the `refused` phase, stops
 * sending and stays there; the app sets the local state aside and opens the
 * document again from the relay (see client/app/lib/RefusalRecovery.ts).
 */
import * as Y from 'yjs';
import type { UnloadRescue } from './UnloadRescue';
import { writeChangeFrame, writeCloseDocFrame, writeDocFrame } from '../../shared/protocol/muxMessages';
import type { AckFrame, DocFrame, ErrorFrame } from '../../shared/protocol/muxMessages';
import { AckWatchdog } from './AckWatchdog';
import { ackTrust } from './ackTrust';
import { DeviceCopy } from './DeviceCopy';
import type { DocPersistenceFactory } from './DocPersistence';
import { readRelayDocMessage, writeSubscription } from './docMessages';
import { Listeners } from './Listeners';
import type { MuxConnection } from './MuxConnection';
import { relayLacks } from './relayLacks';
import type { SendLogSink } from './SendLog';
import { consoleLog, describeRelayError, endsClient, SyncErrorSource, type SyncError, type SyncLog } from './SyncError';
import { plural, stuckReason } from './stuckReason';
import { transactionWrote } from './transactionWrote';

/** A document's sync state as a crew sees it. A new object on every change. */
export interface DocSyncState {
  doc: string;
  /** The stored state has been read from device storage. */
  loaded: boolean;
  /** Device storage holds everything the document contains (always false without device storage). */
  savedOnDevice: boolean;
  /** The relay has acknowledged every local change as durable. */
  onRelay: boolean;
  /** Local changes the relay has not yet acknowledged. */
  pending: number;
  changeNo: number;
  ackedChangeNo: number;
  /**
   * Changes flow to the relay as they happen: on the current connection the
   * relay's state vector arrived and what it lacked was sent.
   */
  live: boolean;
  /** The relay has sent what this device lacked, on the current connection. */
  relaySynced: boolean;
  lastError: SyncError | null;
  /** Pending changes are not being acknowledged although the device is connected. */
  stuck: boolean;
  /** Why, in words, e.g. "relay has not acknowledged 3 changes for 30 s; last relay error: storage failed: ENOSPC". */
  stuckReason: string | null;
  /** When the relay last acknowledged something (ms since epoch). */
  lastAckAt: number | null;
  /** The relay refused a change of this document: nothing more is sent (see the module comment). */
  refused: RelayRefusal | null;
}

/** A refusal that ended a document's exchange with the relay. */
export interface RelayRefusal {
  /** The relay's error code (2 document too large, 3 permission denied, 4 bad document name). */
  code: number;
  /** The relay's reason as it sent it, e.g. "auditor may not write". */
  reason: string;
  /** In words, e.g. "permission denied: auditor may not write". */
  message: string;
  /** Local changes the relay had not acknowledged when it refused. */
  pending: number;
  /** When the refusal arrived (ms since epoch). */
  at: number;
}

/** Options of a SyncedDoc. */
export interface SyncedDocOptions {
  name: string;
  connection: MuxConnection;
  /** Device storage; null keeps the document in memory only. */
  persistence: DocPersistenceFactory | null;
  /** Pending changes unacknowledged this long while connected make the document stuck. */
  watchdogMs: number;
  /** Where every attempt to send a change, and its answer, is logged (the device's send log). */
  sendLog?: SendLogSink;
  now?: () => number;
  log?: SyncLog;
  /**
   * When local changes are stored and sent: `schedule(write)` runs `write`
   * later (the app: right after the next frame, so a scan's line is on screen
   * before its storage and send are paid for). Changes made meanwhile go as
   * one. Default: at once, in the change's transaction.
   */
  scheduleLocalWrites?: (write: () => void) => void;
  /** Where the state of a document not yet saved on the device is kept as the page leaves (UnloadRescue). */
  rescue?: UnloadRescue;
}

/** Transaction origin of a state kept as the page left, applied at load (a local change). */
const RESCUED = Symbol('kept as the page left');

/**
 * Where the document stands with the relay on the current connection:
 * not subscribed, subscribed and waiting for the relay's state vector, or live.
 * Live changes are held back until then: an ack covers every change sent on
 * this connection, and changes sent on an earlier one may never have arrived.
 * `refused` is final, across reconnects: the relay refused a change, so this
 * Y.Doc's later changes can never be integrated and none is sent again.
 */
export type RelayPhase = 'none' | 'subscribing' | 'live' | 'refused';

/** One open document; see the module comment. */
export class SyncedDoc {
  /** The document name (also its IndexedDB database name). */
  readonly name: string;
  /** The Yjs document; write to it in `doc.transact` and the change is stored and sent. */
  readonly doc = new Y.Doc();
  /** Resolves once device storage has been read; write after this so the change counter is exact. */
  readonly whenLoaded: Promise<void>;
  private readonly connection: MuxConnection;
  private readonly now: () => number;
  private readonly log: SyncLog;
  private readonly listeners = new Listeners();
  private readonly watchdog: AckWatchdog;
  private readonly device: DeviceCopy;
  private readonly detach: () => void;
  private loaded = false;
  private changeNo = 0;
  private ackedChangeNo = 0;
  /** The relay store that gave `ackedChangeNo` (null: unknown). */
  private ackedBy: string | null = null;
  private phase: RelayPhase = 'none';
  private relaySynced = false;
  private lastError: SyncError | null = null;
  private stuck: string | null = null;
  private lastAckAt: number | null = null;
  private refusal: RelayRefusal | null = null;
  private readonly sendLog: SendLogSink | undefined;
  /** When the local change numbered `lastChange.no` was made, this session (the send log's change time). */
  private lastChange: { no: number; at: number } | null = null;
  private destroyed = false;
  private state: DocSyncState;
  private readonly scheduleLocalWrites: ((write: () => void) => void) | null;
  /** Local changes counted but not yet stored or sent (see `scheduleLocalWrites`). */
  private unwritten: Uint8Array[] = [];
  private readonly rescue: UnloadRescue | null;
  /** The rescue holds a state of this document that its device copy may not have yet. */
  private rescueKept = false;

  constructor(options: SyncedDocOptions) {
    this.name = options.name;
    this.connection = options.connection;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? consoleLog;
    this.sendLog = options.sendLog;
    this.scheduleLocalWrites = options.scheduleLocalWrites ?? null;
    this.rescue = options.rescue ?? null;
    this.watchdog = new AckWatchdog(options.watchdogMs, () => this.onWatchdog(), this.now);
    // Registered before the persistence exists, so no local change is missed. Until device
    // storage is read, local changes are caught after their transaction instead of by an
    // 'update' listener: with one, Yjs would encode the whole stored state as it loads.
    this.doc.on('afterTransaction', this.onEarlyTransaction);
    this.device = new DeviceCopy({
      persistence: options.persistence ? options.persistence(this.name, this.doc) : null,
      fullState: () => ({ update: Y.encodeStateAsUpdate(this.doc), changeNo: this.loaded ? this.changeNo : undefined }),
      onChange: () => this.onDeviceCopyChange(),
      onError: (message) => this.recordError(SyncErrorSource.device, message),
    });
    this.state = this.computeState();
    this.detach = this.connection.attach(this.name, {
      onOnline: () => this.sendSubscription(),
      onOffline: () => this.onOffline(),
      onFrame: (frame) => this.onFrame(frame),
      onRelayStore: (store) => this.trustAcks(store),
    });
    this.whenLoaded = this.load();
  }

  /** The current sync state. */
  get(): DocSyncState {
    return this.state;
  }

  /** Calls `listener` after every change of the state; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Applies content this device already had from the relay (the app's record
   * store): stored with the document like anything the relay sends, never
   * counted or sent as a local change.
   */
  applyKnown(update: Uint8Array): void {
    if (this.destroyed) return;
    // Known content is neither counted nor sent, and the record store already holds it, so
    // nothing needs it re-encoded: with no 'update' listener Yjs skips encoding the whole
    // state again (the biggest part of opening a 500-line receipt on a phone). y-indexeddb
    // still stores it with the working copy if its database opens after this.
    if (!this.loaded) {
      Y.applyUpdate(this.doc, update, this);
      return;
    }
    this.doc.off('update', this.onUpdate);
    try {
      Y.applyUpdate(this.doc, update, this);
    } finally {
      this.doc.on('update', this.onUpdate);
    }
    this.publish();
  }

  /**
   * The page is being hidden or leaving: when the device copy does not hold
   * everything yet (changes not written, writes in flight, a failed write),
   * keeps the whole state in the rescue for the next load (UnloadRescue).
   */
  keepUnsaved(): void {
    if (!this.rescue || this.destroyed || !this.device.persistent) return;
    if (this.unwritten.length === 0 && this.device.saved) return;
    this.rescueKept = this.rescue.keep(this.name, Y.encodeStateAsUpdate(this.doc)) || this.rescueKept;
  }

  /** Where the document stands with the relay (see RelayPhase). */
  get relayPhase(): RelayPhase {
    return this.phase;
  }

  /**
   * Unsubscribes from the relay, waits for device writes already issued,
   * releases storage and destroys the Y.Doc. Removes every listener and timer.
   * With `deleteDeviceCopy`, the document's device storage is deleted too.
   */
  async destroy(options: { deleteDeviceCopy?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    // Local changes not yet written are stored (and sent) before the storage is released.
    this.writeLocalChanges();
    this.destroyed = true;
    if (this.phase !== 'none') this.connection.send(writeCloseDocFrame(this.name));
    this.sendLog?.disconnected(this.name);
    this.detach();
    this.watchdog.disarm();
    this.doc.off('update', this.onUpdate);
    this.doc.off('afterTransaction', this.onEarlyTransaction);
    this.listeners.clear();
    await this.whenLoaded;
    await this.device.destroy(options.deleteDeviceCopy === true);
    // A discarded copy must not come back from what the page kept; a saved one needs it no more.
    if (options.deleteDeviceCopy === true || (this.rescueKept && this.device.saved)) this.rescue?.forget(this.name);
    this.doc.destroy();
  }

  /** Listener and timer counts, for tests that prove destroy() releases everything. */
  debugCounts(): { listeners: number; timers: number } {
    const timers = (this.watchdog.hasTimer ? 1 : 0) + (this.device.hasTimer ? 1 : 0);
    return { listeners: this.listeners.size, timers };
  }

  private async load(): Promise<void> {
    const stored = await this.device.load();
    if (this.destroyed) return;
    // Changes made before the stored counter was known are stored as such (without a counter).
    this.writeLocalChanges();
    this.doc.off('afterTransaction', this.onEarlyTransaction);
    this.doc.on('update', this.onUpdate);
    // Local changes made before the stored counter was known were counted from 0.
    const preloadChanges = this.changeNo;
    this.changeNo = stored.changeNo + preloadChanges;
    this.ackedChangeNo = Math.min(stored.ackedChangeNo, this.changeNo);
    this.ackedBy = stored.ackedBy;
    this.loaded = true;
    if (preloadChanges > 0) this.device.saveCounters({ changeNo: this.changeNo });
    this.applyRescued();
    this.trustAcks(this.connection.get().relayStore);
    if (this.connection.online) this.sendSubscription();
    this.publish();
  }

  /** A state kept as the page last left goes in as a local change (nothing, when the copy already had it). */
  private applyRescued(): void {
    const rescued = this.rescue?.take(this.name);
    if (!rescued) return;
    try {
      Y.applyUpdate(this.doc, rescued, RESCUED);
    } catch (err) {
      this.log.warn(`${this.name}: the state kept as the page left could not be read: dropped`, err);
    }
  }

  private onDeviceCopyChange(): void {
    if (this.rescueKept && this.unwritten.length === 0 && this.device.saved) {
      this.rescueKept = false;
      this.rescue?.forget(this.name);
    }
    this.publish();
  }

  /** Before load: a local change, as the update its transaction added (known content is not a change). */
  private readonly onEarlyTransaction = (transaction: Y.Transaction): void => {
    const origin = transaction.origin;
    if (origin === this || (origin !== undefined && origin === this.device.origin)) return;
    if (!transactionWrote(transaction)) return;
    this.onUpdate(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(transaction.beforeState)), origin);
  };

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== undefined && origin === this.device.origin) return;
    if (origin === this) {
      // From the relay: stored as it comes (local changes waiting to be written commute with it).
      this.device.save(update, undefined);
      this.publish();
      return;
    }
    // Counted at once, so the number an ack names always covers it; stored and sent now or after the frame.
    this.changeNo += 1;
    this.lastChange = { no: this.changeNo, at: this.now() };
    this.unwritten.push(update);
    if (!this.scheduleLocalWrites) return this.writeLocalChanges();
    if (this.unwritten.length === 1) this.scheduleLocalWrites(() => this.writeLocalChanges());
    // Pending at once, not yet saved on this device.
    this.publish();
  };

  /** Stores the local changes counted so far as one update with their number, and sends it while live. */
  private writeLocalChanges(): void {
    if (this.unwritten.length === 0 || this.destroyed) return;
    const update = this.unwritten.length === 1 ? this.unwritten[0]! : Y.mergeUpdates(this.unwritten);
    this.unwritten = [];
    // Before load the stored counter is unknown; load() adds these changes to it and stores the sum.
    this.device.save(update, this.loaded ? this.changeNo : undefined);
    if (this.phase === 'live') this.sendChange(update, this.lastChange!.at);
    // Connected but not yet live (the relay has not answered the subscription) counts as waiting on the relay too.
    if (this.connected) this.watchdog.arm();
    this.publish();
  }

  private sendSubscription(): void {
    if (!this.loaded || this.destroyed || this.phase === 'refused') return;
    if (!this.connection.send(writeDocFrame(this.name, writeSubscription(this.doc)))) return;
    this.phase = 'subscribing';
    this.relaySynced = false;
    if (this.pending > 0) this.watchdog.arm();
    this.publish();
  }

  private onOffline(): void {
    this.sendLog?.disconnected(this.name);
    this.relaySynced = false;
    this.watchdog.disarm();
    // Offline, pending work is waiting for the relay, not stuck; refused work stays refused.
    if (this.phase !== 'refused') {
      this.phase = 'none';
      this.stuck = null;
    }
    this.publish();
  }

  private onFrame(frame: DocFrame | AckFrame | ErrorFrame): void {
    if (this.destroyed) return;
    if (frame.type === 'doc') this.onRelayMessage(frame.message);
    // Acks on the wire before the relay answered this subscription belong to an
    // earlier one (a closed and reopened document): never take them as ours.
    else if (frame.type === 'ack') {
      if (this.phase === 'live' || this.phase === 'refused') this.onAck(frame.changeNo);
    }
    else this.onRelayError(frame.code, frame.reason);
  }

  private onRelayMessage(bytes: Uint8Array): void {
    try {
      const message = readRelayDocMessage(bytes);
      if (message.kind === 'stateVector') this.answerRelay(message.stateVector);
      else if (message.kind === 'denied') this.recordError(SyncErrorSource.relay, `relay denied access: ${message.reason}`);
      else if (message.kind === 'update') {
        Y.applyUpdate(this.doc, message.update, this);
        if (message.syncStep2) this.relaySynced = true;
        this.publish();
      }
    } catch (err) {
      this.recordError(SyncErrorSource.relay, `relay sent an unreadable message: ${String(err)}`);
    }
  }

  /** The relay told us its state vector: send what it lacks, as one change covering all pending ones. */
  private answerRelay(relayStateVector: Uint8Array): void {
    if (!this.connected) return;
    this.phase = 'live';
    const lacksStructs = relayLacks(Y.encodeStateVector(this.doc), relayStateVector);
    if (this.pending > 0 || lacksStructs) {
      if (this.pending === 0) {
        // The relay lacks content this device never counted (stored by an earlier session
        // that was killed before counting, or lost by the relay): count it so it shows as pending.
        this.changeNo += 1;
        this.device.saveCounters({ changeNo: this.changeNo });
      }
      const update = Y.encodeStateAsUpdate(this.doc, relayStateVector);
      if (this.sendChange(update, this.lastChange?.no === this.changeNo ? this.lastChange.at : null)) this.watchdog.arm();
    }
    this.publish();
  }

  /** Sends changes up to `changeNo` as `update`, logging the attempt; false when the socket was not open. */
  private sendChange(update: Uint8Array, changeAt: number | null): boolean {
    if (!this.connection.send(writeChangeFrame(this.name, this.changeNo, update))) return false;
    this.sendLog?.sent(this.name, this.changeNo, update.byteLength, changeAt);
    return true;
  }

  private onAck(changeNo: number): void {
    if (changeNo > this.changeNo) {
      // Not an ack of anything this device made: claiming "on the relay" from it would be a lie.
      this.log.warn(`relay acknowledged change ${changeNo} of ${this.name}, only ${this.changeNo} were made: ignored`);
      return;
    }
    if (changeNo <= this.ackedChangeNo) return;
    this.ackedChangeNo = changeNo;
    this.ackedBy = this.connection.get().relayStore;
    this.lastAckAt = this.now();
    this.sendLog?.acked(this.name, changeNo);
    if (this.phase !== 'refused') this.stuck = null;
    this.device.saveCounters({ ackedChangeNo: changeNo, ackedBy: this.ackedBy });
    if (this.pending > 0 && this.phase !== 'refused') this.watchdog.progress();
    else this.watchdog.disarm();
    this.publish();
  }

  /**
   * The connection's relay store is `store`: acks another store gave vouch for
   * nothing here, so every change counts as pending again (ackTrust.ts). The
   * relay's sync step 1, which follows on this connection, is answered with
   * all it lacks, and its ack makes the document "on the relay" again.
   */
  private trustAcks(store: string | null): void {
    if (!this.loaded || this.destroyed) return;
    const trust = ackTrust({ ackedChangeNo: this.ackedChangeNo, ackedBy: this.ackedBy, relayStore: store });
    this.ackedBy = trust.ackedBy;
    if (!trust.dropped) return;
    this.log.warn(`${this.name}: the relay's store is not the one that acknowledged its ${plural(this.ackedChangeNo, 'change')} (restored?): counted as pending until it acknowledges them`);
    this.ackedChangeNo = trust.ackedChangeNo;
    this.device.saveCounters({ ackedChangeNo: trust.ackedChangeNo, ackedBy: trust.ackedBy });
    if (this.connected && this.pending > 0) this.watchdog.arm();
    this.publish();
  }

  private onRelayError(code: number, reason: string): void {
    const message = describeRelayError(code, reason);
    this.recordError(SyncErrorSource.relay, message, code);
    // Changes are sent only while live, so a refusal in any other phase answers an earlier subscription's change.
    if (!endsClient(code) || this.pending === 0 || this.phase !== 'live') return;
    this.phase = 'refused';
    this.refusal = { code, reason, message, pending: this.pending, at: this.now() };
    this.sendLog?.refused(this.name, code, reason);
    this.watchdog.disarm();
    this.stuck = `relay refused ${plural(this.pending, 'change')}: ${message}`;
    this.publish();
  }

  /** Subscribed or live on the current connection (not offline, not refused). */
  private get connected(): boolean {
    return this.phase === 'subscribing' || this.phase === 'live';
  }

  private onWatchdog(): void {
    if (this.pending === 0 || !this.connection.online || this.phase === 'refused') return;
    const silentMs = this.now() - (this.watchdog.waitingSince ?? this.now());
    this.stuck = stuckReason(this.pending, silentMs, this.lastError, this.connection.get());
    this.sendLog?.timedOut(this.name);
    this.publish();
  }

  private get pending(): number {
    return this.changeNo - this.ackedChangeNo;
  }

  private recordError(source: SyncError['source'], message: string, code?: number): void {
    this.lastError = code === undefined ? { source, message, at: this.now() } : { source, message, code, at: this.now() };
    this.publish();
  }

  private computeState(): DocSyncState {
    return {
      doc: this.name,
      loaded: this.loaded,
      savedOnDevice: this.loaded && this.device.saved && this.unwritten.length === 0,
      onRelay: this.loaded && this.pending === 0,
      pending: this.pending,
      changeNo: this.changeNo,
      ackedChangeNo: this.ackedChangeNo,
      live: this.phase === 'live',
      relaySynced: this.relaySynced,
      lastError: this.lastError,
      stuck: this.stuck !== null,
      stuckReason: this.stuck,
      lastAckAt: this.lastAckAt,
      refused: this.refusal,
    };
  }

  private publish(): void {
    if (this.destroyed) return;
    this.state = this.computeState();
    this.listeners.notify((err) => this.log.warn(`a listener of ${this.name} threw`, err));
  }
}
