import { describe, expect, it } from 'vitest';
import type { Role } from '../../shared/auth/roles';
import { changeRefusal, initialStatus, proposalRefusal, STATUSES, TRANSITIONS, type RecordKind } from '../../shared/review/transitions';

describe('status lifecycle', () => {
  it('starts every record open', () => {
    expect(initialStatus('receipt')).toBe('open');
    expect(initialStatus('count')).toBe('open');
  });

  // kind, from, to, role, allowed?
  it.each<[RecordKind, string, string, Role, boolean]>([
    ['receipt', 'open', 'received', 'crew', true],
    ['receipt', 'open', 'received', 'supervisor', true],
    ['receipt', 'open', 'received', 'admin', true],
    ['receipt', 'open', 'received', 'auditor', false],
    ['receipt', 'received', 'closed', 'crew', false],
    ['receipt', 'received', 'closed', 'supervisor', true],
    ['receipt', 'open', 'closed', 'supervisor', false],
    ['receipt', 'closed', 'open', 'supervisor', false],
    ['receipt', 'received', 'open', 'supervisor', true],
    ['receipt', 'received', 'open', 'crew', false],
    ['receipt', 'open', 'rejected', 'crew', true],
    ['receipt', 'open', 'rejected', 'auditor', false],
    ['receipt', 'rejected', 'open', 'crew', false],
    ['receipt', 'rejected', 'open', 'supervisor', true],
    ['receipt', 'rejected', 'received', 'supervisor', false],
    ['count', 'open', 'submitted', 'crew', true],
    ['count', 'submitted', 'accepted', 'crew', false],
    ['count', 'submitted', 'accepted', 'supervisor', true],
    ['count', 'submitted', 'recount', 'crew', false],
    ['count', 'submitted', 'recount', 'supervisor', true],
    ['count', 'recount', 'submitted', 'crew', true],
    ['count', 'open', 'accepted', 'supervisor', false],
    ['count', 'accepted', 'recount', 'supervisor', false],
    ['count', 'open', 'received', 'supervisor', false],
  ])('%s %s -> %s by %s: %s', (kind, from, to, role, allowed) => {
    const refusal = proposalRefusal(role, kind, 'status', to) ?? changeRefusal(role, kind, 'status', from, to);
    expect(refusal === null).toBe(allowed);
  });

  it('names only statuses of the kind in the table', () => {
    for (const t of TRANSITIONS) {
      expect(STATUSES[t.kind]).toContain(t.from);
      expect(STATUSES[t.kind]).toContain(t.to);
    }
  });
});

describe('proposalRefusal', () => {
  // role, kind, field, value, expected reason (null = may propose)
  it.each<[Role, RecordKind, 'status' | 'hold' | 'acceptedCount', string | number | boolean, RegExp | null]>([
    ['auditor', 'receipt', 'status', 'received', /auditor may not propose changes/],
    ['crew', 'receipt', 'status', 'received', null],
    ['crew', 'receipt', 'status', 'closed', /crew may not set a receipt to closed/],
    ['crew', 'count', 'status', 'accepted', /crew may not set a count to accepted/],
    ['supervisor', 'receipt', 'status', 'accepted', /"accepted" is not a receipt status/],
    ['crew', 'receipt', 'hold', true, /crew may not put a record on hold/],
    ['supervisor', 'receipt', 'hold', true, null],
    ['admin', 'count', 'hold', false, null],
    ['crew', 'count', 'acceptedCount', 5, /crew may not decide accepted counts/],
    ['supervisor', 'count', 'acceptedCount', 5, null],
    ['supervisor', 'receipt', 'acceptedCount', 5, /a receipt has no accepted counts/],
  ])('%s, %s.%s = %j', (role, kind, field, value, expected) => {
    const reason = proposalRefusal(role, kind, field, value);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toMatch(expected);
  });
});
