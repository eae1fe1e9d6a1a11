/**
 * Notices of the priority channel (issue 16): safety alerts, quality holds and
 * their releases. What a notice body may hold and who may issue which kind are
 * pure rules here, so the relay enforces them whatever client sends the body
 * and the app can check a form before sending it.
 */
import { canHold, canWrite, type Role } from '../auth/roles';

export const NOTICE_KINDS = ['safety', 'hold', 'release'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const SEVERITIES = ['danger', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type SafetyNotice = { kind: 'safety'; severity: Severity; text: string; zone?: string };
export type HoldNotice = { kind: 'hold'; item: string; lot: string; bins?: string[]; text: string };
export type ReleaseNotice = { kind: 'release'; hold: number; text: string };
export type NoticeBody = SafetyNotice | HoldNotice | ReleaseNotice;

/** Longest text of a notice: a banner, not a report. */
export const MAX_NOTICE_TEXT = 1_000;
/** Longest item, lot, bin or zone name. */
export const MAX_NOTICE_NAME = 100;
/** Most bins one hold may name. */
export const MAX_HOLD_BINS = 100;

export type NoticeVerdict = { ok: true; notice: NoticeBody } | { ok: false; reason: string };

/** What a body is checked against: the seqs of holds placed and not yet released. */
export interface NoticeContext {
  activeHolds: ReadonlySet<number>;
}

/**
 * Checks an untrusted body and returns the notice it describes, with only the
 * known fields, or the reason it is not one.
 */
export function validateNotice(body: unknown, context: NoticeContext): NoticeVerdict {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('body must be a JSON object');
  const b = body as Record<string, unknown>;
  const fields = { safety: ['kind', 'severity', 'text', 'zone'], hold: ['kind', 'item', 'lot', 'bins', 'text'], release: ['kind', 'hold', 'text'] };
  if (!(NOTICE_KINDS as readonly unknown[]).includes(b.kind)) return bad(`kind must be one of ${NOTICE_KINDS.join(', ')}`);
  const kind = b.kind as NoticeKind;
  const unknown = Object.keys(b).find((k) => !fields[kind].includes(k));
  if (unknown !== undefined) return bad(`unknown field ${JSON.stringify(unknown.slice(0, 40))} in a ${kind} notice`);
  const text = checkString(b.text, 'text', MAX_NOTICE_TEXT);
  if (typeof text !== 'string') return text;
  switch (kind) {
    case 'safety': {
      if (!(SEVERITIES as readonly unknown[]).includes(b.severity)) return bad(`severity must be one of ${SEVERITIES.join(', ')}`);
      const notice: SafetyNotice = { kind, severity: b.severity as Severity, text };
      if (b.zone !== undefined) {
        const zone = checkString(b.zone, 'zone', MAX_NOTICE_NAME);
        if (typeof zone !== 'string') return zone;
        notice.zone = zone;
      }
      return { ok: true, notice };
    }
    case 'hold': {
      const item = checkString(b.item, 'item', MAX_NOTICE_NAME);
      if (typeof item !== 'string') return item;
      const lot = checkString(b.lot, 'lot', MAX_NOTICE_NAME);
      if (typeof lot !== 'string') return lot;
      const notice: HoldNotice = { kind, item, lot, text };
      if (b.bins !== undefined) {
        if (!Array.isArray(b.bins)) return bad('bins must be an array of bin names');
        if (b.bins.length > MAX_HOLD_BINS) return bad(`bins may name at most ${MAX_HOLD_BINS} bins`);
        const bins: string[] = [];
        for (const bin of b.bins) {
          const name = checkString(bin, 'each bin', MAX_NOTICE_NAME);
          if (typeof name !== 'string') return name;
          bins.push(name);
        }
        notice.bins = bins;
      }
      return { ok: true, notice };
    }
    case 'release': {
      if (typeof b.hold !== 'number' || !Number.isSafeInteger(b.hold) || b.hold < 1) return bad('hold must be the seq of a hold (a whole number from 1)');
      if (!context.activeHolds.has(b.hold)) return bad(`notice ${b.hold} is not an active hold`);
      return { ok: true, notice: { kind, hold: b.hold, text } };
    }
  }
}

/** True when `role` may issue a notice of `kind`: a hazard must not wait for a supervisor; holds are a supervisor's. */
export function mayIssueNotice(role: Role, kind: NoticeKind): boolean {
  return kind === 'safety' ? canWrite(role) : canHold(role);
}

/**
 * True when `role` may see who read a notice: supervisors and admins, who
 * follow up on the ones who have not, and auditors, who read everything;
 * crews may not watch each other.
 */
export function mayReadNoticeReads(role: Role): boolean {
  return canHold(role) || !canWrite(role);
}

const bad = (reason: string): NoticeVerdict => ({ ok: false, reason });

/** `value` as a non-blank string of at most `max` characters, or the verdict refusing it. */
function checkString(value: unknown, field: string, max: number): string | NoticeVerdict {
  if (value === undefined || value === null) return bad(`${field} is required`);
  if (typeof value !== 'string') return bad(`${field} must be a string`);
  if (value.trim() === '') return bad(`${field} must not be empty`);
  if (value.length > max) return bad(`${field} is longer than ${max} characters`);
  return value;
}
