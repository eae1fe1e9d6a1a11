import { describe, expect, it } from 'vitest';
import { noticeReads, type NoticeReadsInput } from '../../shared/model/noticeReads';

const devices = [
  { device: 'sup-laptop', user: 'sup' },
  { device: 'ann-phone', user: 'ann' },
  { device: 'bob-phone', user: 'bob' },
  { device: 'old-phone', user: 'gone' },
];
const base: NoticeReadsInput = {
  notice: { seq: 5, user: 'sup', device: 'sup-laptop' },
  acks: [],
  devices,
  activeUsers: new Set(['sup', 'ann', 'bob']),
  receiptOf: () => undefined,
};
type Receipts = Record<string, { held: number; lastContact: number; connected: boolean }>;
const receipts = (r: Receipts) => (device: string) => r[device];

describe('noticeReads', () => {
  it.each<[string, Partial<NoticeReadsInput>, { reads: string[]; pending: string[] }]>([
    ['nobody has read it: every active device but the issuer\'s waits, never heard of', {}, { reads: [], pending: ['ann-phone never', 'bob-phone never'] }],
    [
      'a read on one device clears that device only',
      { acks: [{ user: 'ann', device: 'ann-phone', at: 9 }], devices: [...devices, { device: 'ann-tablet', user: 'ann' }] },
      { reads: ['ann@ann-phone 9'], pending: ['ann-tablet never', 'bob-phone never'] },
    ],
    [
      'received when the device held the seq, not when it held less',
      { receiptOf: receipts({ 'ann-phone': { held: 5, lastContact: 100, connected: false }, 'bob-phone': { held: 4, lastContact: 200, connected: true } }) },
      { reads: [], pending: ['bob-phone missing 200 connected', 'ann-phone received 100'] },
    ],
    [
      'devices that have not received it come first, oldest contact first',
      { receiptOf: receipts({ 'ann-phone': { held: 0, lastContact: 300, connected: false }, 'bob-phone': { held: 0, lastContact: 100, connected: false } }) },
      { reads: [], pending: ['bob-phone missing 100', 'ann-phone missing 300'] },
    ],
    [
      'the issuer on another device is waited for; revoked users are not',
      { notice: { seq: 5, user: 'sup', device: null } },
      { reads: [], pending: ['ann-phone never', 'bob-phone never', 'sup-laptop never'] },
    ],
    [
      'reads keep their order and an ack without a device is listed',
      { acks: [{ user: 'bob', device: 'bob-phone', at: 7 }, { user: 'qms', device: null, at: 8 }] },
      { reads: ['bob@bob-phone 7', 'qms@- 8'], pending: ['ann-phone never'] },
    ],
  ])('%s', (_what, patch, expected) => {
    const out = noticeReads({ ...base, ...patch });
    expect(out.seq).toBe(patch.notice?.seq ?? 5);
    expect(out.reads.map((r) => `${r.user}@${r.device ?? '-'} ${r.at}`)).toEqual(expected.reads);
    expect(
      out.pending.map((p) => [p.device, p.lastContact === null ? 'never' : `${p.received ? 'received' : 'missing'} ${p.lastContact}`, ...(p.connected ? ['connected'] : [])].join(' ')),
    ).toEqual(expected.pending);
  });
});
