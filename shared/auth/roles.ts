/**
 * Who may do what. Roles and permissions are closed vocabularies defined once;
 * every check in the relay and the app goes through `can` (or one of the named
 * helpers below), so the grant table is the single place to read or change.
 */

/** The four roles a user can have. */
export const Role = {
  /** Receiving and counting crew: records work, proposes received/submitted. */
  crew: 'crew',
  /** Sees everything, decides statuses, resolves conflicts, puts holds on. */
  supervisor: 'supervisor',
  /** Reads everything, writes nothing. */
  auditor: 'auditor',
  /**
   * Site IT. Manages users and also holds every supervisor power, so the
   * admin created on first start can use the app end to end on its own.
   */
  admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Every role, in a fixed order (for help texts and table tests). */
export const ROLES: readonly Role[] = Object.values(Role);

/** The things a role can be allowed to do. */
export const Permission = {
  /** Read any record and site document. */
  read: 'read',
  /** Append entries (receive lines, counts, comments, proposals) and edit descriptive fields. */
  write: 'write',
  /** Decide a record's status beyond crew steps (closed, accepted, recount) and accepted counts. */
  decide: 'decide',
  /** Put a record on quality hold or release it. */
  hold: 'hold',
  /** Settle a conflict in the review map. */
  resolveConflicts: 'resolveConflicts',
  /** Keep the site's item master and bins. */
  editSite: 'editSite',
  /** Add and revoke users, issue enrolment links. */
  manageUsers: 'manageUsers',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

const supervisorGrants = ['read', 'write', 'decide', 'hold', 'resolveConflicts', 'editSite'] as const;

/** The grant table: what each role may do. */
export const GRANTS: { readonly [R in Role]: readonly Permission[] } = {
  crew: ['read', 'write'],
  supervisor: supervisorGrants,
  auditor: ['read'],
  admin: [...supervisorGrants, 'manageUsers'],
};

/** True when `value` names a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Returns `value` as a Role, or throws an error that lists the valid roles. */
export function parseRole(value: unknown): Role {
  if (isRole(value)) return value;
  throw new Error(`unknown role ${JSON.stringify(value)}: expected one of ${ROLES.join(', ')}`);
}

/** True when `role` has `permission`. */
export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** May read records and site documents (every role). */
export function canRead(role: Role): boolean {
  return can(role, Permission.read);
}

/** May append entries and edit descriptive fields (everyone but the auditor). */
export function canWrite(role: Role): boolean {
  return can(role, Permission.write);
}

/** May decide supervisor-level statuses and accepted counts. */
export function canDecide(role: Role): boolean {
  return can(role, Permission.decide);
}

/** May put a record on hold or release it. */
export function canHold(role: Role): boolean {
  return can(role, Permission.hold);
}

/** May resolve conflicts in the review map. */
export function canResolveConflicts(role: Role): boolean {
  return can(role, Permission.resolveConflicts);
}

/** May add and revoke users and issue enrolment links. */
export function canManageUsers(role: Role): boolean {
  return can(role, Permission.manageUsers);
}
