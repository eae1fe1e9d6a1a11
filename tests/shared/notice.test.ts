import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../shared/auth/roles';
import { mayIssueNotice, mayReadNoticeReads, validateNotice, NOTICE_KINDS, type NoticeKind } from '../../shared/model/notice';

const context = { activeHolds: new Set([3]) };

describe('notice bodies', () => {
  it.each([
    ['a safety alert', { kind: 'safety', severity: 'danger', text: 'spill in aisle 4' }],
    ['a safety alert with a zone', { kind: 'safety', severity: 'info', text: 'drill at 3', zone: 'dock' }],
    ['a hold', { kind: 'hold', item: 'X-100', lot: 'L-7', text: 'supplier recall' }],
    ['a hold on some bins', { kind: 'hold', item: 'X-100', lot: 'L-7', bins: ['A-1', 'A-2'], text: 'wet cartons' }],
    ['a release of an active hold', { kind: 'release', hold: 3, text: 'tested fine' }],
  ])('accepts %s as it is', (_what, body) => {
    expect(validateNotice(body, context)).toEqual({ ok: true, notice: body });
  });

  it.each([
    ['not an object', 'spill', 'body must be a JSON object'],
    ['an array', [], 'body must be a JSON object'],
    ['no kind', { text: 'x' }, 'kind must be one of safety, hold, release'],
    ['an unknown kind', { kind: 'party', text: 'x' }, 'kind must be one of safety, hold, release'],
    ['an unknown field', { kind: 'safety', severity: 'info', text: 'x', colour: 'red' }, 'unknown field "colour" in a safety notice'],
    ['no text', { kind: 'safety', severity: 'info' }, 'text is required'],
    ['blank text', { kind: 'safety', severity: 'info', text: '  ' }, 'text must not be empty'],
    ['text too long', { kind: 'safety', severity: 'info', text: 'x'.repeat(1001) }, 'text is longer than 1000 characters'],
    ['an unknown severity', { kind: 'safety', severity: 'meh', text: 'x' }, 'severity must be one of danger, warning, info'],
    ['a zone that is a number', { kind: 'safety', severity: 'info', text: 'x', zone: 4 }, 'zone must be a string'],
    ['a hold without a lot', { kind: 'hold', item: 'X-100', text: 'x' }, 'lot is required'],
    ['a hold without an item', { kind: 'hold', lot: 'L-7', text: 'x' }, 'item is required'],
    ['bins that are not a list', { kind: 'hold', item: 'X', lot: 'L', bins: 'A-1', text: 'x' }, 'bins must be an array of bin names'],
    ['a bin that is empty', { kind: 'hold', item: 'X', lot: 'L', bins: [''], text: 'x' }, 'each bin must not be empty'],
    ['a release naming no hold', { kind: 'release', text: 'x' }, 'hold must be the seq of a hold (a whole number from 1)'],
    ['a release of seq 0', { kind: 'release', hold: 0, text: 'x' }, 'hold must be the seq of a hold (a whole number from 1)'],
    ['a release of a fraction', { kind: 'release', hold: 1.5, text: 'x' }, 'hold must be the seq of a hold (a whole number from 1)'],
    ['a release of a notice that is no active hold', { kind: 'release', hold: 2, text: 'x' }, 'notice 2 is not an active hold'],
  ])('refuses %s', (_what, body, reason) => {
    expect(validateNotice(body, context)).toEqual({ ok: false, reason });
  });
});

describe('who may issue which notice', () => {
  const expected: Record<Role, NoticeKind[]> = {
    crew: ['safety'],
    supervisor: ['safety', 'hold', 'release'],
    auditor: [],
    admin: ['safety', 'hold', 'release'],
  };
  it.each(ROLES.map((role) => [role, expected[role]] as const))('a %s may issue %j', (role, kinds) => {
    expect(NOTICE_KINDS.filter((kind) => mayIssueNotice(role, kind))).toEqual(kinds);
  });
});

describe('who may see who read a notice', () => {
  const expected: Record<Role, boolean> = { crew: false, supervisor: true, auditor: true, admin: true };
  it.each(ROLES.map((role) => [role, expected[role]] as const))('a %s: %s', (role, may) => {
    expect(mayReadNoticeReads(role)).toBe(may);
  });
});
