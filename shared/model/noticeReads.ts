/**
 * A notice's read-by list (issue 16): who acknowledged it and when, who has
 * not, and which devices have not even received it. A pure function over what
 * the relay knows (the notice log's acks, the device bindings, each device's
 * receipts), so the rules are tested as a table; the relay serves it at
 * `GET /api/notices/<seq>/reads` and the app shows it as it comes.
 */

/** One acknowledgement: this user read the notice on this device at `at`. */
export interface NoticeRead {
  user: string;
  device: string | null;
  at: number;
}

/** A device whose user has not acknowledged the notice there. */
export interface NoticePending {
  user: string;
  device: string;
  /** When the relay last heard from the device (null: never on `/mux`). */
  lastContact: number | null;
  /** The device holds the notice (said so with `?notices=`, `noticesHeld` or `noticeSeen`). */
  received: boolean;
  /** The device has a socket open right now. */
  connected: boolean;
}

/** The answer of `GET /api/notices/<seq>/reads`. */
export interface NoticeReads {
  seq: number;
  reads: NoticeRead[];
  pending: NoticePending[];
}

/** What `noticeReads` reads. */
export interface NoticeReadsInput {
  /** The notice's seq and who issued it from which device (that device is not waited for). */
  notice: { seq: number; user: string; device: string | null };
  acks: readonly NoticeRead[];
  /** Every enrolled device and its user. */
  devices: readonly { device: string; user: string }[];
  /** Users who are not revoked (a revoked user's devices are not waited for). */
  activeUsers: ReadonlySet<string>;
  /** What the relay heard from a device, if anything. */
  receiptOf: (device: string) => { held: number; lastContact: number; connected: boolean } | undefined;
}

/**
 * The read-by list: reads in the order they were stored; pending, the devices
 * of active users with no acknowledgement from that user on that device,
 * those that have not received it first, then by last contact (oldest first).
 */
export function noticeReads(input: NoticeReadsInput): NoticeReads {
  const { notice, acks, devices, activeUsers, receiptOf } = input;
  const readOn = new Set(acks.map((a) => `${a.user}\u0000${a.device ?? ''}`));
  const pending: NoticePending[] = [];
  for (const { device, user } of devices) {
    if (!activeUsers.has(user) || readOn.has(`${user}\u0000${device}`)) continue;
    if (user === notice.user && device === notice.device) continue;
    const receipt = receiptOf(device);
    pending.push({
      user,
      device,
      lastContact: receipt?.lastContact ?? null,
      received: receipt !== undefined && receipt.held >= notice.seq,
      connected: receipt?.connected ?? false,
    });
  }
  pending.sort((a, b) => Number(a.received) - Number(b.received) || (a.lastContact ?? -1) - (b.lastContact ?? -1) || a.device.localeCompare(b.device));
  return { seq: notice.seq, reads: acks.map((a) => ({ user: a.user, device: a.device, at: a.at })), pending };
}
