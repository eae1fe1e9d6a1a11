/**
 * The priority channel on one device (issue 16): notices arrive on the mux
 * socket and are kept in the device's NoticeStore, so holds apply offline;
 * the user's "I have read this" is kept and sent as `noticeSeen` (again on
 * every reconnect until the relay's list shows it); a notice issued here is
 * kept and POSTed with its device-made key until the relay answers, so one
 * issued offline goes out on reconnect and a retry cannot double it.
 *
 * The socket asks for `?notices=<last seq held>` (noticesQuery), which the
 * store's high-water mark in localStorage answers synchronously at connect.
 */
import { mayIssueNotice, validateNotice, type NoticeBody } from '../../../../shared/model/notice';
import type { NoticeReads } from '../../../../shared/model/noticeReads';
import type { Role } from '../../../../shared/auth/roles';
import { writeNoticeSeenFrame, writeNoticesHeldFrame, type NoticeFrame } from '../../../../shared/protocol/muxMessages';
import type { KeyValueStore } from '../device';
import { Emitter } from '../Emitter';
import { arrivedBeforeAnswer } from './arrivedBeforeAnswer';
import { activeHolds, type ActiveHold } from './holds';
import { bannerNotices } from './noticeText';
import { NoticesApi } from './NoticesApi';
import { parseNotice } from './parseNotice';
import type { DeviceNotice, LocalRead, NoticeStore, OutgoingNotice } from './NoticeStore';

/** What DeviceNotices needs of the mux connection. */
export interface NoticeConnection {
  readonly online: boolean;
  subscribe(listener: () => void): () => void;
  send(frame: Uint8Array): boolean;
  attachNotices(handler: { onOnline(): void; onNotice(frame: NoticeFrame): void }): () => void;
}

/** Options of DeviceNotices. */
export interface DeviceNoticesOptions {
  site: string;
  relayUrl: string;
  token: string;
  device: string;
  user: { id: string; role: Role };
  connection: NoticeConnection;
  store: NoticeStore;
  /** Where the high-water mark is kept for the socket's URL (default localStorage). */
  kv?: KeyValueStore;
  fetch?: typeof fetch;
  now?: () => number;
  /** Makes a notice's idempotency key (default `<device>.<random>`). */
  newKey?: () => string;
  /** While online, waiting notices are posted again this often (default 15 s). */
  retryMs?: number;
  /** After sending acknowledgements, the relay's list is checked this much later (default 2 s). */
  confirmAfterMs?: number;
}

/** The longest wait between two checks of a read the relay does not list yet. */
const CONFIRM_MAX_MS = 30_000;

/** What screens read. A new object on every change. */
export interface NoticesSnapshot {
  /** The store has been read (before that, holds are not known yet). */
  readonly loaded: boolean;
  /** Every notice held, newest first. */
  readonly notices: readonly DeviceNotice[];
  readonly reads: ReadonlyMap<number, LocalRead>;
  /** Issued on this device and not stored by the relay yet (or refused by it), oldest first. */
  readonly outgoing: readonly OutgoingNotice[];
  /** Holds in force on this device, its own waiting ones included. */
  readonly holds: readonly ActiveHold[];
  /** What the banner asks the user to read, most urgent first. */
  readonly banner: readonly DeviceNotice[];
  /** Every notice up to this seq is held. */
  readonly lastSeq: number;
}

/** Why an issue was not even queued. */
export type IssueOutcome = { ok: true; key: string } | { ok: false; reason: string };

/** The key of the high-water mark of `site`'s notices. */
export function noticesSeqKey(site: string): string {
  return `tally.notices.seq.${site}`;
}

/** The `/mux` query the device connects with: `notices=<last seq held>` (0: none, so every notice comes). */
export function noticesQuery(site: string, kv: KeyValueStore = localStorage): Record<string, string> {
  const n = Number(kv.getItem(noticesSeqKey(site)));
  return { notices: String(Number.isSafeInteger(n) && n > 0 ? n : 0) };
}

export class DeviceNotices {
  private readonly emitter = new Emitter();
  private readonly notices = new Map<number, DeviceNotice>();
  private readonly reads = new Map<number, LocalRead>();
  private readonly outgoing = new Map<string, OutgoingNotice>();
  private readonly kv: KeyValueStore;
  private readonly now: () => number;
  private readonly api: NoticesApi;
  private readonly offs: Array<() => void> = [];
  private snapshot: NoticesSnapshot;
  private lastSeq = 0;
  private loaded = false;
  /** Writes to the store, one after the other (the load first). */
  private chain: Promise<unknown>;
  private posting = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private confirmTimer: ReturnType<typeof setTimeout> | null = null;
  /** The wait before the pending check of reads (it doubles while the relay does not list one, up to CONFIRM_MAX_MS). */
  private confirmDelayMs: number | null = null;
  private wasOnline = false;
  private destroyed = false;
  /** Resolves once the store has been read. */
  readonly whenLoaded: Promise<void>;

  constructor(private readonly options: DeviceNoticesOptions) {
    this.kv = options.kv ?? localStorage;
    this.now = options.now ?? Date.now;
    this.api = new NoticesApi({ relayUrl: options.relayUrl, token: options.token, device: options.device, ...(options.fetch && { fetch: options.fetch }) });
    this.snapshot = this.build();
    this.whenLoaded = options.store.load().then((contents) => {
      for (const n of contents.notices) this.notices.set(n.seq, n);
      for (const r of contents.reads) this.reads.set(r.seq, r);
      for (const o of contents.outgoing) this.outgoing.set(o.key, o);
      this.advance();
      this.loaded = true;
      this.changed();
      if (options.connection.online) this.whenOnline();
    });
    this.chain = this.whenLoaded.catch((err: unknown) => console.warn('[tally notices] the device store could not be read', err));
    this.offs.push(
      options.connection.attachNotices({
        onOnline: () => undefined,
        onNotice: (frame) => this.receive(frame),
      }),
      options.connection.subscribe(() => {
        const online = options.connection.online;
        if (online && !this.wasOnline && this.loaded) this.whenOnline();
        this.wasOnline = online;
      }),
    );
    this.wasOnline = options.connection.online;
  }

  get(): NoticesSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    return this.emitter.subscribe(listener);
  }

  /** May this user issue a notice of this kind? (The relay decides; this only shapes the screen.) */
  mayIssue(kind: NoticeBody['kind']): boolean {
    return mayIssueNotice(this.options.user.role, kind);
  }

  /** The user tapped "I have read this": kept on the device, then sent (now, or on reconnect). */
  markRead(seq: number): Promise<void> {
    if (this.reads.has(seq)) return Promise.resolve();
    const read: LocalRead = { seq, at: this.now(), confirmed: false };
    this.reads.set(seq, read);
    this.changed();
    return this.write(async () => {
      await this.options.store.putRead(read);
      if (this.options.connection.send(writeNoticeSeenFrame(seq))) this.scheduleConfirm();
    });
  }

  /**
   * Issues a notice: checked here as the relay would, kept on the device
   * (a hold or release applies here at once), then posted, now or on
   * reconnect. Resolves once it is kept.
   */
  async issue(body: unknown): Promise<IssueOutcome> {
    const kind = (body as { kind?: unknown } | null)?.kind;
    const known = new Set(activeHolds([...this.notices.values()]).flatMap((h) => (h.seq === null ? [] : [h.seq])));
    const verdict = validateNotice(body, { activeHolds: known });
    if (!verdict.ok) return verdict;
    if (!this.mayIssue(verdict.notice.kind)) return { ok: false, reason: `a ${this.options.user.role} may not issue a ${String(kind)} notice` };
    let after = this.lastSeq;
    for (const seq of this.notices.keys()) after = Math.max(after, seq);
    const outgoing: OutgoingNotice = { key: this.newKey(), body: verdict.notice, user: this.options.user.id, at: this.now(), after };
    this.outgoing.set(outgoing.key, outgoing);
    this.changed();
    await this.write(() => this.options.store.putOutgoing(outgoing));
    void this.postWaiting();
    return { ok: true, key: outgoing.key };
  }

  /** Forgets a notice the relay refused (the user has seen why). */
  dismiss(key: string): Promise<void> {
    const o = this.outgoing.get(key);
    if (!o?.refused) return Promise.resolve();
    this.outgoing.delete(key);
    this.changed();
    return this.write(() => this.options.store.deleteOutgoing(key));
  }

  /** Who read notice `seq` (supervisors, admins, auditors; needs the relay). */
  readsOf(seq: number): Promise<NoticeReads> {
    return this.api.reads(seq);
  }

  /** Stops listening and clears timers. */
  destroy(): void {
    this.destroyed = true;
    for (const off of this.offs.splice(0)) off();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    this.emitter.clear();
    this.options.store.close();
  }

  private receive(frame: NoticeFrame): void {
    const notice = parseNotice(frame);
    if (!notice) {
      console.warn('[tally notices] the relay sent a notice this device cannot read; ignored', frame.seq);
      return;
    }
    void this.write(async () => {
      if (!this.notices.has(notice.seq)) await this.options.store.putNotice(notice);
      this.notices.set(notice.seq, notice);
      const answered = [...this.outgoing.values()].find((o) => o.seq === notice.seq);
      if (answered) {
        await this.options.store.deleteOutgoing(answered.key);
        this.outgoing.delete(answered.key);
      }
      this.advance();
      this.changed();
    });
  }

  /** Moves the high-water mark over the notices held without a gap, and tells the relay. */
  private advance(): void {
    let seq = this.lastSeq;
    while (this.notices.has(seq + 1)) seq++;
    if (seq === this.lastSeq && this.loaded) return;
    this.lastSeq = seq;
    this.kv.setItem(noticesSeqKey(this.options.site), String(seq));
    if (seq > 0) this.options.connection.send(writeNoticesHeldFrame(seq));
  }

  /** The socket (re)opened and the store is read: say what is held, send what waits. */
  private whenOnline(): void {
    if (this.lastSeq > 0) this.options.connection.send(writeNoticesHeldFrame(this.lastSeq));
    let sent = false;
    for (const read of this.reads.values()) if (!read.confirmed) sent = this.options.connection.send(writeNoticeSeenFrame(read.seq)) || sent;
    if (sent) this.scheduleConfirm();
    void this.postWaiting();
  }

  /** Posts every waiting notice, oldest first; what fails for want of the relay waits for the next try. */
  private async postWaiting(): Promise<void> {
    if (this.posting || this.destroyed) return;
    this.posting = true;
    let again = false;
    try {
      for (const o of [...this.outgoing.values()]) {
        if (o.refused !== undefined || o.seq !== undefined) continue;
        const answer = await this.api.post(o.body, o.key);
        if (answer === 'later') {
          again = true;
          break;
        }
        const updated: OutgoingNotice = 'seq' in answer ? { ...o, seq: answer.seq } : { ...o, refused: answer.refused };
        if (updated.seq !== undefined && this.notices.has(updated.seq)) {
          this.outgoing.delete(o.key);
          await this.write(() => this.options.store.deleteOutgoing(o.key));
        } else {
          this.outgoing.set(o.key, updated);
          await this.write(() => this.options.store.putOutgoing(updated));
        }
        this.changed();
      }
    } finally {
      this.posting = false;
    }
    // Issued while this round was posting: its own call found the round busy.
    if (!again && [...this.outgoing.values()].some((o) => o.refused === undefined && o.seq === undefined)) return this.postWaiting();
    if (again && !this.destroyed && this.options.connection.online) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        void this.postWaiting();
      }, this.options.retryMs ?? 15_000);
    }
  }

  /** Checks the relay's list for this device's acknowledgements a moment after sending them. */
  private scheduleConfirm(delayMs = this.confirmAfterMs()): void {
    if (this.confirmTimer || this.destroyed) return;
    this.confirmDelayMs = delayMs;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = null;
      void this.confirmReads();
    }, delayMs);
  }

  private confirmAfterMs(): number {
    return this.options.confirmAfterMs ?? 2_000;
  }

  /**
   * Asks the relay which of the reads it lists and marks those confirmed. One
   * it does not list yet (the frame was lost with a socket that died after
   * taking it, or its store write failed) is sent again and checked later,
   * each time a little later, until the relay lists it: a read is never lost
   * between the tap and the supervisor's list.
   */
  private async confirmReads(): Promise<void> {
    const waiting = [...this.reads.values()].filter((r) => !r.confirmed);
    if (waiting.length === 0 || this.destroyed) return;
    const since = Math.min(...waiting.map((r) => r.seq)) - 1;
    const listed = await this.api.acksSince(since);
    if (this.destroyed) return;
    const mine = new Set((listed ?? []).filter((n) => n.acks.some((a) => a.user === this.options.user.id && a.device === this.options.device)).map((n) => n.seq));
    let unlisted = false;
    for (const read of waiting) {
      if (!mine.has(read.seq)) {
        unlisted = true;
        // Offline, it goes out on the reconnect (whenOnline); the relay ignores a read it already holds.
        if (listed !== null) this.options.connection.send(writeNoticeSeenFrame(read.seq));
        continue;
      }
      const confirmed = { ...read, confirmed: true };
      this.reads.set(read.seq, confirmed);
      await this.write(() => this.options.store.putRead(confirmed));
    }
    this.changed();
    if (unlisted && this.options.connection.online) this.scheduleConfirm(Math.min(CONFIRM_MAX_MS, 2 * (this.confirmDelayMs ?? this.confirmAfterMs())));
    else this.confirmDelayMs = null;
  }

  private write<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch((err: unknown) => console.warn('[tally notices] a write to the device store failed', err));
    return run;
  }

  private newKey(): string {
    if (this.options.newKey) return this.options.newKey();
    const random = globalThis.crypto.getRandomValues(new Uint32Array(2));
    return `${this.options.device}.${random[0]!.toString(36)}${random[1]!.toString(36)}`;
  }

  private changed(): void {
    this.snapshot = this.build();
    this.emitter.emit();
  }

  private build(): NoticesSnapshot {
    const notices = [...this.notices.values()].sort((a, b) => b.seq - a.seq);
    const outgoing = [...this.outgoing.values()].sort((a, b) => a.at - b.at);
    const arrived = arrivedBeforeAnswer(outgoing, notices, { user: this.options.user.id, device: this.options.device });
    const waiting = outgoing.filter((o) => o.refused === undefined && (o.seq === undefined || !this.notices.has(o.seq)) && !arrived.has(o.key));
    const holds = activeHolds([...notices].reverse(), waiting);
    const activeHoldSeqs = new Set(holds.flatMap((h) => (h.seq === null ? [] : [h.seq])));
    const banner = bannerNotices(notices, this.reads, { user: this.options.user.id, device: this.options.device, now: this.now(), activeHoldSeqs });
    return { loaded: this.loaded, notices, reads: new Map(this.reads), outgoing, holds, banner, lastSeq: this.lastSeq };
  }
}
