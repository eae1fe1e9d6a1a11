/**
 * The priority channel's durable log (issue 16): an append-only file of JSON
 * lines, `<data>/notices.log`. A notice gets the next sequence number (from 1)
 * and is fsynced before the caller or any listener hears of it; a device's
 * acknowledgement is an `ack` line in the same file, so the file is the audit
 * history of who issued and who read what, from which device, when.
 *
 * Appends run one after the other. A line torn by a crash is the last one: it
 * is cut off at open (it was never acknowledged to anyone); a bad line before
 * the last is corruption and refuses the open.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parseJsonObject } from '../../shared/jsonObject';
import { validateNotice, type NoticeBody } from '../../shared/model/notice';

/** Who did something, from which device. */
export interface NoticeActor {
  user: string;
  /** Null when the caller named no device (an HTTP client without `?device=`). */
  device: string | null;
}

/** One acknowledgement of a notice. */
export interface NoticeAck extends NoticeActor {
  at: number;
}

/** A stored notice: its body and who issued it, when. */
export interface StoredNotice extends NoticeActor {
  seq: number;
  at: number;
  body: NoticeBody;
}

/** `key`: the issuer's idempotency key, when it gave one (a retry with it gets the same notice). */
type NoticeLine = { t: 'notice'; key?: string } & StoredNotice;
type AckLine = { t: 'ack'; seq: number } & NoticeAck;

/** `repeated`: the issuer's key named a notice already stored, which is answered again and not stored twice. */
export type IssueResult = { ok: true; notice: StoredNotice; repeated?: true } | { ok: false; reason: string };

export class NoticeLog {
  private readonly notices: StoredNotice[] = [];
  private readonly acks = new Map<number, NoticeAck[]>();
  private readonly activeHolds = new Set<number>();
  /** Seq of each notice issued with an idempotency key, by `<user> <key>`. */
  private readonly keyed = new Map<string, number>();
  private readonly listeners = new Set<(notice: StoredNotice) => void>();
  /** Appends wait for the one before. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly fd: FileHandle,
    /** Bytes of whole lines in the file: a failed append is cut back to it. */
    private size: number,
    private readonly now: () => number,
  ) {}

  /** Opens (or creates) the log at `file` and reads it back. */
  static async open(file: string, options: { now?: () => number } = {}): Promise<NoticeLog> {
    const fd = await open(file, 'a+');
    try {
      const text = (await fd.readFile()).toString('utf8');
      const lines = text.split('\n');
      const log = new NoticeLog(fd, 0, options.now ?? Date.now);
      let offset = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const isLast = i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === '');
        if (line === '' && i === lines.length - 1) break;
        const parsed = parseLine(line);
        if (parsed === null) {
          if (!isLast) throw new Error(`${file}: line ${i + 1} is not a notice or ack line`);
          break; // torn by a crash while being written: never acknowledged
        }
        if (parsed.t === 'notice' && parsed.seq !== log.lastSeq + 1) throw new Error(`${file}: line ${i + 1} holds notice ${parsed.seq} after ${log.lastSeq}`);
        log.take(parsed);
        offset += Buffer.byteLength(line, 'utf8') + 1;
      }
      if (offset !== Buffer.byteLength(text, 'utf8')) {
        await fd.truncate(offset);
        await fd.sync();
      }
      log.size = offset;
      return log;
    } catch (err) {
      await fd.close();
      throw err;
    }
  }

  /** The highest seq stored (0: none). */
  get lastSeq(): number {
    return this.notices.length;
  }

  /** Every notice after `seq`, oldest first. */
  since(seq: number): StoredNotice[] {
    return this.notices.slice(Math.max(0, Math.floor(seq)));
  }

  /** One notice by its seq. */
  get(seq: number): StoredNotice | undefined {
    return this.notices[seq - 1];
  }

  /** Who acknowledged notice `seq`, in order. */
  acksOf(seq: number): readonly NoticeAck[] {
    return this.acks.get(seq) ?? [];
  }

  /** Holds placed and not released. */
  get holds(): ReadonlySet<number> {
    return this.activeHolds;
  }

  /** Calls `listener` with each notice once it is stored; returns the unsubscribe. */
  onNotice(listener: (notice: StoredNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Checks `body` (validateNotice, against the holds active when its turn
   * comes) and stores it with the next seq. Who may issue it is the caller's
   * check (mayIssueNotice). Rejects when the disk fails: nothing is stored.
   * With `key` (the issuer's own id for this notice, e.g. made on a device
   * while offline), a notice the same user already issued with that key is
   * answered again instead of being stored twice, so a retry is always safe.
   */
  issue(body: unknown, by: NoticeActor, options: { key?: string } = {}): Promise<IssueResult> {
    return this.enqueue(async () => {
      const earlier = options.key === undefined ? undefined : this.keyed.get(`${by.user} ${options.key}`);
      if (earlier !== undefined) return { ok: true, notice: this.get(earlier)!, repeated: true };
      const verdict = validateNotice(body, { activeHolds: this.activeHolds });
      if (!verdict.ok) return verdict;
      const line: NoticeLine = { t: 'notice', seq: this.lastSeq + 1, at: this.now(), user: by.user, device: by.device, body: verdict.notice };
      if (options.key !== undefined) line.key = options.key;
      await this.append(line);
      this.take(line);
      const notice = this.get(line.seq)!;
      for (const listener of this.listeners) listener(notice);
      return { ok: true, notice };
    });
  }

  /**
   * Records that `by` has read notice `seq`, durably. False for a seq the log
   * does not hold; a repeated acknowledgement from the same user and device
   * is already recorded and writes nothing.
   */
  acknowledge(seq: number, by: NoticeActor): Promise<boolean> {
    return this.enqueue(async () => {
      if (this.get(seq) === undefined) return false;
      if (this.acksOf(seq).some((a) => a.user === by.user && a.device === by.device)) return true;
      const line: AckLine = { t: 'ack', seq, at: this.now(), user: by.user, device: by.device };
      await this.append(line);
      this.take(line);
      return true;
    });
  }

  /** Waits for the appends under way, then closes the file. */
  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.fd.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Writes one line and fsyncs it; on failure cuts the file back so no torn line sits before the next. */
  private async append(line: NoticeLine | AckLine): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
    try {
      await this.fd.write(bytes, 0, bytes.length, null);
      await this.fd.sync();
    } catch (err) {
      await this.fd.truncate(this.size).catch(() => undefined);
      throw err;
    }
    this.size += bytes.length;
  }

  /** Takes a stored line into memory. */
  private take(line: NoticeLine | AckLine): void {
    if (line.t === 'ack') {
      const list = this.acks.get(line.seq) ?? [];
      list.push({ user: line.user, device: line.device, at: line.at });
      this.acks.set(line.seq, list);
      return;
    }
    const { t: _t, key, ...notice } = line;
    this.notices.push(notice);
    if (key !== undefined) this.keyed.set(`${notice.user} ${key}`, notice.seq);
    if (notice.body.kind === 'hold') this.activeHolds.add(notice.seq);
    if (notice.body.kind === 'release') this.activeHolds.delete(notice.body.hold);
  }
}

/** A line of the file, or null when it is not a whole, well-formed one. */
function parseLine(text: string): NoticeLine | AckLine | null {
  const l = parseJsonObject(text);
  if (!l) return null;
  const actorOk = typeof l.user === 'string' && (l.device === null || typeof l.device === 'string') && typeof l.at === 'number' && typeof l.seq === 'number';
  if (!actorOk) return null;
  if (l.t === 'ack') return l as unknown as AckLine;
  if (l.t === 'notice' && typeof l.body === 'object' && l.body !== null) return l as unknown as NoticeLine;
  return null;
}
