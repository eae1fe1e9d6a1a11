/**
 * Notices in words and in colour, the same on the banner, the Notices screen
 * and a system notification; and which notices the banner asks the user to
 * read. Pure functions.
 */
import type { NoticeBody } from '../../../../shared/model/notice';
import { describeHold } from './holds';
import type { DeviceNotice, LocalRead } from './NoticeStore';

/** How loud a notice is: the banner's colour and icon. */
export type NoticeTone = 'danger' | 'warning' | 'info' | 'hold' | 'release';

export function noticeTone(body: NoticeBody): NoticeTone {
  return body.kind === 'safety' ? body.severity : body.kind;
}

/** A notice's title: "Danger · aisle 4", "Quality hold: X-100 lot L-7", "Hold released: X-100 lot L-7". */
export function noticeTitle(body: NoticeBody, holdOf: (seq: number) => DeviceNotice | undefined = () => undefined): string {
  switch (body.kind) {
    case 'safety': {
      const level = { danger: 'Danger', warning: 'Warning', info: 'Safety info' }[body.severity];
      return body.zone ? `${level} · ${body.zone}` : level;
    }
    case 'hold':
      return `Quality hold: ${describeHold(body)}`;
    case 'release': {
      const held = holdOf(body.hold)?.body;
      return held?.kind === 'hold' ? `Hold released: ${describeHold(held)}` : `Hold ${body.hold} released`;
    }
  }
}

/** Safety alerts and releases older than this no longer call up the banner on a device that hears of them late. */
export const BANNER_MAX_AGE_MS = 12 * 60 * 60 * 1000;

const URGENCY: Record<NoticeTone, number> = { danger: 0, hold: 1, warning: 2, release: 3, info: 4 };

/** Who is looking, and when. */
export interface BannerViewer {
  user: string;
  device: string;
  now: number;
  /** Holds in force (their seqs): an old hold still in force still asks to be read. */
  activeHoldSeqs: ReadonlySet<number>;
}

/**
 * The notices the banner shows until the user taps "I have read this": not
 * read on this device, not issued by this user on this device, and still
 * news (a hold in force, or a safety alert or release from the last 12 hours,
 * so a device enrolled today is not buried under last month's alerts). Most
 * urgent first, then newest first.
 */
export function bannerNotices(notices: readonly DeviceNotice[], reads: ReadonlyMap<number, LocalRead>, viewer: BannerViewer): DeviceNotice[] {
  return notices
    .filter((n) => !reads.has(n.seq) && !(n.user === viewer.user && n.device === viewer.device))
    .filter((n) => (n.body.kind === 'hold' ? viewer.activeHoldSeqs.has(n.seq) : viewer.now - n.at <= BANNER_MAX_AGE_MS))
    .sort((a, b) => URGENCY[noticeTone(a.body)] - URGENCY[noticeTone(b.body)] || b.seq - a.seq);
}
