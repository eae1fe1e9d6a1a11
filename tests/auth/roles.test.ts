import { describe, expect, it } from 'vitest';
import {
  GRANTS,
  Permission,
  ROLES,
  can,
  canDecide,
  canHold,
  canManageUsers,
  canRead,
  canResolveConflicts,
  canWrite,
  isRole,
  parseRole,
  type Role,
} from '../../shared/auth/roles';

describe('permission helpers', () => {
  // role, read, write, decide, hold, resolve, manage users
  it.each<[Role, boolean, boolean, boolean, boolean, boolean, boolean]>([
    ['crew', true, true, false, false, false, false],
    ['supervisor', true, true, true, true, true, false],
    ['auditor', true, false, false, false, false, false],
    ['admin', true, true, true, true, true, true],
  ])('%s', (role, read, write, decide, hold, resolve, manage) => {
    expect(canRead(role)).toBe(read);
    expect(canWrite(role)).toBe(write);
    expect(canDecide(role)).toBe(decide);
    expect(canHold(role)).toBe(hold);
    expect(canResolveConflicts(role)).toBe(resolve);
    expect(canManageUsers(role)).toBe(manage);
  });

  it('can() agrees with the grant table for every role and permission', () => {
    for (const role of ROLES) {
      for (const permission of Object.values(Permission)) {
        expect(can(role, permission)).toBe(GRANTS[role].includes(permission));
      }
    }
  });
});

describe('parseRole', () => {
  it.each(ROLES)('accepts %s', (role) => {
    expect(parseRole(role)).toBe(role);
    expect(isRole(role)).toBe(true);
  });

  it.each([['Crew'], ['root'], [''], [undefined], [3], ['toString']])('refuses %j with the list of roles', (value) => {
    expect(isRole(value)).toBe(false);
    expect(() => parseRole(value)).toThrow(/expected one of crew, supervisor, auditor, admin/);
  });
});
