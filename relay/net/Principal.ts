/**
 * Who is on the other end of a connection, established once at the upgrade
 * from the token, and re-checked when the users change (revocation).
 */
import type { Role } from '../../shared/auth/roles';

export interface Principal {
  /** The user's id: what entries carry in `user`. */
  user: string;
  /** The user's display name, for logs. */
  name: string;
  /**
   * The device id the client gave (`?device=`), checked against the device
   * registry: a relay with users admits it only when the device is this
   * user's (bound at enrolment or on first use). Null when the client gave
   * none or not a valid id (`isDeviceId`): such a connection is admitted to
   * read, and the write policy is meant to refuse its writes.
   */
  device: string | null;
  role: Role;
  /** False for read-only roles (auditors): their updates are refused. */
  mayWrite: boolean;
  /**
   * True only for a relay started without a user store (tests, local
   * experiments): entries are not checked against the sender.
   */
  open: boolean;
}
