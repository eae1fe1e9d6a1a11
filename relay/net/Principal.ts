/**
 * Who is on the other end of a connection, as established at the upgrade.
 * Issue 3 fills this from tokens; until then every connection is a device
 * that may write.
 */
export interface Principal {
  user: string;
  device: string;
  role: string;
  /** False for read-only roles (auditors): their updates are refused. */
  mayWrite: boolean;
}
