import { describe, expect, it } from 'vitest';
import { arrivedBeforeAnswer } from '../../client/app/lib/notices/arrivedBeforeAnswer';
import type { DeviceNotice, OutgoingNotice } from '../../client/app/lib/notices/NoticeStore';

const me = { user: 'sam', device: 'sam-phone' };
const hold = { kind: 'hold', item: 'SKU-1', lot: 'L-7', text: 'recall' } as const;
const otherHold = { kind: 'hold', item: 'SKU-2', lot: 'L-1', text: 'recall' } as const;

const waiting = (key: string, body: object, extra: Partial<OutgoingNotice> = {}): OutgoingNotice =>
  ({ key, body, user: me.user, at: Number(key.replace(/\D/g, '')), after: 4, ...extra }) as OutgoingNotice;
const held = (seq: number, body: object, extra: Partial<DeviceNotice> = {}): DeviceNotice =>
  ({ seq, at: 1_000 + seq, user: me.user, device: me.device, body, ...extra }) as DeviceNotice;

describe('arrivedBeforeAnswer: a notice this device issued came back over the socket before the answer to its POST', () => {
  it.each([
    { case: 'its own copy arrived', waiting: [waiting('k1', hold)], held: [held(5, hold)], arrived: ['k1'] },
    { case: 'nothing arrived yet', waiting: [waiting('k1', hold)], held: [], arrived: [] },
    { case: 'another body', waiting: [waiting('k1', hold)], held: [held(5, otherHold)], arrived: [] },
    { case: 'issued by another user', waiting: [waiting('k1', hold)], held: [held(5, hold, { user: 'ann' })], arrived: [] },
    { case: 'issued on another device of the same user', waiting: [waiting('k1', hold)], held: [held(5, hold, { device: 'sam-laptop' })], arrived: [] },
    { case: 'stored before it was issued (a hold placed again after its release)', waiting: [waiting('k1', hold)], held: [held(3, hold)], arrived: [] },
    { case: 'two alike waiting, one arrived: the older is matched', waiting: [waiting('k2', hold), waiting('k1', hold)], held: [held(5, hold)], arrived: ['k1'] },
    { case: 'two alike waiting, both arrived', waiting: [waiting('k1', hold), waiting('k2', hold)], held: [held(5, hold), held(6, hold)], arrived: ['k1', 'k2'] },
    { case: 'a notice already claimed by an answer matches nothing else', waiting: [waiting('k1', hold, { seq: 5 }), waiting('k2', hold)], held: [held(5, hold)], arrived: [] },
    { case: 'kept by an older version (no after): left as it was', waiting: [waiting('k1', hold, { after: undefined })], held: [held(5, hold)], arrived: [] },
  ])('$case', ({ waiting: w, held: h, arrived }) => {
    expect([...arrivedBeforeAnswer(w, h, me)].sort()).toEqual(arrived);
  });
});
