/**
 * What one `/mux` connection's `noticeSeen` frames may cost the relay. Each
 * recorded acknowledgement is a fsynced line in the notices log, and each
 * frame waits in the log's queue until its turn, so a client flooding
 * noticeSeen could buy disk writes and memory without bound. Here:
 *
 * - a seq this user and device already acknowledged is ignored before it
 *   costs anything (no queue, no write, no answer): devices re-send freely;
 * - anything else spends a token of the connection's bucket (a burst of
 *   `burst`, then `perSecond`); a frame finding the bucket empty is dropped,
 *   and the device is told once until a frame is taken again (never once per
 *   dropped frame, so a flood is not echoed back);
 * - a seq the log does not hold (0, or past its last) is answered with an
 *   error frame and recorded nowhere.
 *
 * The verdict is a pure function of plain facts (`judgeNoticeSeen`), tested
 * table-driven; `NoticeSeenGate` gathers the facts for one connection.
 */
import type { NoticeLog } from '../notices/NoticeLog';
import { TokenBucket } from '../sync/TokenBucket';

/** noticeSeen frames one connection may send at once, beyond acknowledgements already recorded. */
export const NOTICE_SEEN_BURST = 100;
/** ...and then per second, on average. */
export const NOTICE_SEEN_PER_SECOND = 10;

/** What to do with one noticeSeen frame. */
export type NoticeSeenVerdict =
  /** Append the acknowledgement. */
  | { kind: 'record' }
  /** Already recorded (or being recorded) for this user and device: nothing to do. */
  | { kind: 'duplicate' }
  /** No such notice: answer with an error frame. */
  | { kind: 'unknown'; reason: string }
  /** Over the connection's rate: dropped; `tell` is true for the first one since a frame was taken. */
  | { kind: 'tooFast'; reason: string; tell: boolean };

/** The facts `judgeNoticeSeen` needs about one frame. */
export interface NoticeSeenFacts {
  seq: number;
  /** The highest seq the log holds (0: none). */
  lastSeq: number;
  /** The connection's user and device have acknowledged `seq` already (stored, or on its way). */
  recorded: boolean;
  /** A token was left in the connection's bucket (asked only when needed; asking takes it). */
  takeToken: () => boolean;
  /** The previous frame that asked for a token found the bucket empty. */
  wasTooFast: boolean;
}

/** The verdict on one noticeSeen frame (pure but for `takeToken`). */
export function judgeNoticeSeen(facts: NoticeSeenFacts): NoticeSeenVerdict {
  const { seq, lastSeq } = facts;
  const known = Number.isSafeInteger(seq) && seq >= 1 && seq <= lastSeq;
  if (known && facts.recorded) return { kind: 'duplicate' };
  if (!facts.takeToken()) {
    return {
      kind: 'tooFast',
      reason: `noticeSeen ${seq} not recorded: more than ${NOTICE_SEEN_BURST} at once or ${NOTICE_SEEN_PER_SECOND} a second; send it again later`,
      tell: !facts.wasTooFast,
    };
  }
  if (!known) return { kind: 'unknown', reason: `noticeSeen ${seq}: the relay holds notices 1 to ${lastSeq} only` };
  return { kind: 'record' };
}

/** Options of NoticeSeenGate. */
export interface NoticeSeenGateOptions {
  notices: Pick<NoticeLog, 'lastSeq' | 'acksOf'>;
  user: string;
  device: string | null;
  burst?: number;
  perSecond?: number;
  /** The bucket's clock (ms); injected by tests. */
  now?: () => number;
}

/** One connection's noticeSeen gate: made on its first noticeSeen, so idle connections pay nothing. */
export class NoticeSeenGate {
  private readonly bucket: TokenBucket;
  /** Seqs this connection's user and device acknowledged: looked up here before the log's acks. */
  private readonly recorded = new Set<number>();
  private tooFast = false;

  constructor(private readonly options: NoticeSeenGateOptions) {
    this.bucket = new TokenBucket(options.burst ?? NOTICE_SEEN_BURST, options.perSecond ?? NOTICE_SEEN_PER_SECOND, options.now);
  }

  /** The verdict on `seq`; a `record` verdict counts as recorded from now on (see `failed`). */
  judge(seq: number): NoticeSeenVerdict {
    const verdict = judgeNoticeSeen({
      seq,
      lastSeq: this.options.notices.lastSeq,
      recorded: this.isRecorded(seq),
      takeToken: () => this.bucket.take(),
      wasTooFast: this.tooFast,
    });
    if (verdict.kind === 'tooFast') this.tooFast = true;
    else if (verdict.kind !== 'duplicate') this.tooFast = false;
    if (verdict.kind === 'record') this.recorded.add(seq);
    return verdict;
  }

  /** The acknowledgement of `seq` could not be stored: a later noticeSeen may try again. */
  failed(seq: number): void {
    this.recorded.delete(seq);
  }

  private isRecorded(seq: number): boolean {
    if (this.recorded.has(seq)) return true;
    const { user, device } = this.options;
    const stored = this.options.notices.acksOf(seq).some((a) => a.user === user && a.device === device);
    if (stored) this.recorded.add(seq);
    return stored;
  }
}
