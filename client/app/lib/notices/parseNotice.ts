/**
 * A `notice` frame as the device keeps it. The frame comes from the relay,
 * but bytes are checked all the same: a notice this version cannot read is
 * left out, never half-kept.
 */
import { parseJsonObject } from '../../../../shared/jsonObject';
import { validateNotice } from '../../../../shared/model/notice';
import type { NoticeFrame } from '../../../../shared/protocol/muxMessages';
import type { DeviceNotice } from './NoticeStore';

/** A notice frame's JSON as a DeviceNotice, or null when it is not one. */
export function parseNotice(frame: NoticeFrame): DeviceNotice | null {
  const o = parseJsonObject(frame.json);
  if (!o) return null;
  if (o.seq !== frame.seq || typeof o.at !== 'number' || typeof o.user !== 'string' || !(o.device === null || typeof o.device === 'string')) return null;
  const b = o.body as { kind?: unknown; hold?: unknown } | null;
  // A release is checked against its own hold: whether that hold was active is the relay's call.
  const verdict = validateNotice(b, { activeHolds: new Set(typeof b?.hold === 'number' ? [b.hold] : []) });
  if (!verdict.ok) return null;
  return { seq: frame.seq, at: o.at, user: o.user, device: o.device as string | null, body: verdict.notice };
}
