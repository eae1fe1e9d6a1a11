import { describe, expect, it } from 'vitest';
import { judgeNoticeSeen, NOTICE_SEEN_BURST, NoticeSeenGate, type NoticeSeenFacts, type NoticeSeenVerdict } from '../../relay/net/NoticeSeenGate';
import type { NoticeAck } from '../../relay/notices/NoticeLog';

describe('judgeNoticeSeen', () => {
  const base: Omit<NoticeSeenFacts, 'takeToken'> = { seq: 3, lastSeq: 5, recorded: false, wasTooFast: false };
  it.each([
    ['a notice not yet acknowledged, with a token: recorded', {}, true, 'record', true],
    ['the last notice', { seq: 5 }, true, 'record', true],
    ['one already acknowledged: ignored without a token', { recorded: true }, true, 'duplicate', false],
    ['one already acknowledged, bucket empty: still only ignored', { recorded: true }, false, 'duplicate', false],
    ['a seq past the last: refused', { seq: 6 }, true, 'unknown', true],
    ['seq 0: refused', { seq: 0 }, true, 'unknown', true],
    ['a seq of an empty log: refused', { seq: 1, lastSeq: 0 }, true, 'unknown', true],
    ['a seq past the last with "recorded" claimed: refused, never a duplicate', { seq: 9, recorded: true }, true, 'unknown', true],
    ['beyond the budget: dropped', {}, false, 'tooFast', true],
    ['an unknown seq beyond the budget: dropped like the rest', { seq: 6 }, false, 'tooFast', true],
  ] as [string, Partial<NoticeSeenFacts>, boolean, NoticeSeenVerdict['kind'], boolean][])('%s', (_what, facts, token, kind, asked) => {
    let askedForToken = false;
    const verdict = judgeNoticeSeen({ ...base, ...facts, takeToken: () => ((askedForToken = true), token) });
    expect(verdict.kind).toBe(kind);
    expect(askedForToken).toBe(asked);
  });

  it.each([
    ['tells the device about the first frame dropped', false, true],
    ['stays silent about the next ones, so a flood is not echoed', true, false],
  ])('%s', (_what, wasTooFast, tell) => {
    const verdict = judgeNoticeSeen({ seq: 1, lastSeq: 1, recorded: false, wasTooFast, takeToken: () => false });
    expect(verdict).toMatchObject({ kind: 'tooFast', tell });
    expect(verdict.kind === 'tooFast' && verdict.reason).toMatch(/send it again later/);
  });
});

describe('NoticeSeenGate', () => {
  /** A gate over a log of `lastSeq` notices, where `acks` are stored, and a clock moved by hand. */
  function gate(lastSeq: number, acks: Record<number, NoticeAck[]> = {}) {
    const clock = { now: 0 };
    const g = new NoticeSeenGate({ notices: { lastSeq, acksOf: (seq) => acks[seq] ?? [] }, user: 'u1', device: 'd1', burst: 3, perSecond: 2, now: () => clock.now });
    return { g, clock };
  }
  const kinds = (g: NoticeSeenGate, seqs: number[]): string[] => seqs.map((s) => g.judge(s).kind);

  it('records each notice once, then ignores it at no cost', () => {
    const { g } = gate(10);
    expect(kinds(g, [1, 1, 1, 2, 2, 3])).toEqual(['record', 'duplicate', 'duplicate', 'record', 'duplicate', 'record']);
  });

  it('ignores what the log already holds for this user and device, not what others acknowledged', () => {
    const { g } = gate(10, { 4: [{ user: 'u1', device: 'd1', at: 1 }], 5: [{ user: 'u1', device: 'd2', at: 1 }, { user: 'u2', device: 'd1', at: 1 }] });
    expect(kinds(g, [4, 5])).toEqual(['duplicate', 'record']);
  });

  it('drops what passes the bucket, telling once per run of drops, and takes more as it refills', () => {
    const { g, clock } = gate(10);
    const verdicts = [1, 2, 3, 4, 5, 6].map((s) => g.judge(s));
    expect(verdicts.map((v) => v.kind)).toEqual(['record', 'record', 'record', 'tooFast', 'tooFast', 'tooFast']);
    expect(verdicts.map((v) => v.kind === 'tooFast' && v.tell)).toEqual([false, false, false, true, false, false]);
    clock.now = 500; // 2 a second: one token back
    expect(g.judge(4).kind).toBe('record');
    expect(g.judge(5)).toMatchObject({ kind: 'tooFast', tell: true });
    expect(g.judge(6)).toMatchObject({ kind: 'tooFast', tell: false });
  });

  it('spends the budget on unknown seqs too, so they cannot be flooded either', () => {
    const { g } = gate(2);
    expect(kinds(g, [7, 8, 9, 10, 1])).toEqual(['unknown', 'unknown', 'unknown', 'tooFast', 'tooFast']);
  });

  it('lets a notice whose acknowledgement failed to store be sent again', () => {
    const { g } = gate(10);
    expect(g.judge(1).kind).toBe('record');
    g.failed(1);
    expect(g.judge(1).kind).toBe('record');
  });

  it('defaults to a burst of 100', () => {
    const g = new NoticeSeenGate({ notices: { lastSeq: 1_000, acksOf: () => [] }, user: 'u', device: null, now: () => 0 });
    const verdicts = Array.from({ length: NOTICE_SEEN_BURST + 1 }, (_, i) => g.judge(i + 1).kind);
    expect(verdicts.filter((k) => k === 'record')).toHaveLength(NOTICE_SEEN_BURST);
    expect(verdicts.at(-1)).toBe('tooFast');
  });
});
