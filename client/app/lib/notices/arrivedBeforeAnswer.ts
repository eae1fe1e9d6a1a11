/**
 * The relay sends a stored notice to every connected device at once, so the
 * issuing device can receive its own notice before the relay's answer to its
 * POST (the seq) is back. Until then the notice is both waiting and held, and
 * a hold would show twice. These are the waiting notices whose own copy has
 * arrived: one held notice per waiting one, matched by issuer, device and
 * body, oldest first, among the notices stored after the waiting one was
 * issued (`after`: the highest seq the device held then, so a hold placed
 * again after its release is not taken for the old one).
 */
import type { DeviceNotice, OutgoingNotice } from './NoticeStore';

/** Who this device is. */
export interface Issuer {
  readonly user: string;
  readonly device: string;
}

/** Keys of the waiting notices in `waiting` that a notice in `held` (not answered yet) stands for. */
export function arrivedBeforeAnswer(waiting: readonly OutgoingNotice[], held: readonly DeviceNotice[], me: Issuer): Set<string> {
  const answered = new Set(waiting.flatMap((o) => (o.seq === undefined ? [] : [o.seq])));
  const unanswered = waiting
    .filter((o) => o.seq === undefined && o.after !== undefined)
    .sort((a, b) => a.at - b.at)
    .map((o) => ({ key: o.key, user: o.user, after: o.after!, body: JSON.stringify(o.body) }));
  const arrived = new Set<string>();
  const mine = held.filter((n) => n.user === me.user && n.device === me.device && !answered.has(n.seq)).sort((a, b) => a.seq - b.seq);
  for (const notice of mine) {
    const body = JSON.stringify(notice.body);
    const match = unanswered.find((o) => !arrived.has(o.key) && notice.seq > o.after && o.user === notice.user && o.body === body);
    if (match) arrived.add(match.key);
  }
  return arrived;
}
