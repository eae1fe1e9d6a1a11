/**
 * Reads an `strace -f -ttt -T -yy -xx` log of the relay and checks the
 * promise that "on the relay" rests on: every ack frame the relay writes to
 * a socket comes after an fsync (or fdatasync) of the LevelDB log that
 * completed after the write carrying the acknowledged change. Pure
 * functions, so the check itself is tested on logs of a relay that acks
 * early.
 */

/** One system call of interest, with when it started and returned (seconds since the epoch). */
export interface Syscall {
  readonly pid: number;
  readonly name: string;
  /** The file behind the call's fd, as strace -yy shows it (a path, or TCP:[a->b]). */
  readonly target: string;
  /** The bytes the call wrote, as lowercase hex (write, writev, pwrite64, sendto, sendmsg). */
  readonly hex: string;
  readonly start: number;
  readonly end: number;
}

const LINE = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/;
const RESUMED = /^<\.\.\. (\w+) resumed>(.*)$/;
const CALL = /^(\w+)\((.*)$/;
const DURATION = /<(\d+\.\d+)>\s*$/;

/** The calls in an strace log (unfinished calls are joined with their resumption). */
export function parseStrace(text: string): Syscall[] {
  const calls: Syscall[] = [];
  const pending = new Map<number, { name: string; args: string; start: number }>();
  const finish = (pid: number, name: string, args: string, start: number, end: number): void => {
    // strace -xx escapes a path's bytes too: `7<\x2f\x74...>`.
    const fd = /^(\d+)<([^>]*)>/.exec(args);
    const target = (fd?.[2] ?? '').replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    const data = fd ? args.slice(fd[0].length) : args;
    const hex = [...data.matchAll(/\\x([0-9a-f]{2})/g)].map((m) => m[1]).join('');
    calls.push({ pid, name, target, hex, start, end });
  };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const at = Number(m[2]);
    const body = m[3] ?? '';
    const resumed = RESUMED.exec(body);
    if (resumed) {
      const open = pending.get(pid);
      pending.delete(pid);
      if (open && open.name === resumed[1]) finish(pid, open.name, open.args + (resumed[2] ?? ''), open.start, at);
      continue;
    }
    const call = CALL.exec(body);
    if (!call) continue;
    const [, name = '', rest = ''] = call;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, { name, args: rest, start: at });
      continue;
    }
    const duration = Number(DURATION.exec(rest)?.[1] ?? 0);
    finish(pid, name, rest, at, at + duration);
  }
  return calls;
}

/** A change a test device sent: the document, its change number, and bytes only that change carries. */
export interface SentChange {
  readonly doc: string;
  readonly changeNo: number;
  readonly marker: string;
}

/** An ack frame found in what the relay wrote to a socket. */
export interface AckSeen {
  readonly doc: string;
  readonly changeNo: number;
  readonly at: number;
}

const WRITES = new Set(['write', 'writev', 'pwrite64', 'pwritev', 'sendto', 'sendmsg']);
const SYNCS = new Set(['fsync', 'fdatasync']);
const hexOf = (text: string): string => Buffer.from(text).toString('hex');

/** Unsigned LEB128, as lib0 writes varUint. */
function varUintHex(n: number): string {
  const bytes: number[] = [];
  let v = n;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    bytes.push(b);
  } while (v > 0);
  return Buffer.from(bytes).toString('hex');
}

/**
 * The ack frames of `docs` in the relay's socket writes: mux kind 2 =
 * varUint(2) varString(doc) varUint(changeNo), inside an unmasked binary
 * WebSocket frame.
 */
export function acksIn(calls: readonly Syscall[], docs: readonly string[], maxChangeNo: number): AckSeen[] {
  const seen: AckSeen[] = [];
  for (const call of calls) {
    if (!WRITES.has(call.name) || !call.target.startsWith('TCP')) continue;
    for (const doc of docs) {
      const prefix = `02${varUintHex(Buffer.byteLength(doc))}${hexOf(doc)}`;
      for (let n = maxChangeNo; n >= 1; n--) {
        if (call.hex.includes(`82${varUintHex(prefix.length / 2 + varUintHex(n).length / 2)}${prefix}${varUintHex(n)}`)) {
          seen.push({ doc, changeNo: n, at: call.start });
          break;
        }
      }
    }
  }
  return seen;
}

/**
 * Why each ack in `acks` is not proven to follow an fsync of the write
 * carrying every change it acknowledges (empty when every ack is proven).
 */
export function unprovenAcks(calls: readonly Syscall[], acks: readonly AckSeen[], sent: readonly SentChange[]): string[] {
  const logWrites = calls.filter((c) => WRITES.has(c.name) && c.target.endsWith('.log'));
  const syncs = calls.filter((c) => SYNCS.has(c.name));
  const problems: string[] = [];
  for (const ack of acks) {
    for (const change of sent.filter((s) => s.doc === ack.doc && s.changeNo <= ack.changeNo)) {
      const write = logWrites.find((w) => w.hex.includes(hexOf(change.marker)));
      if (!write) {
        problems.push(`ack ${ack.doc}#${ack.changeNo}: change ${change.changeNo} (${change.marker}) was never written to the log`);
        continue;
      }
      if (write.start > ack.at) {
        problems.push(`ack ${ack.doc}#${ack.changeNo}: sent before change ${change.changeNo} was even written`);
        continue;
      }
      const synced = syncs.some((s) => s.target === write.target && s.start >= write.end && s.end <= ack.at);
      if (!synced) problems.push(`ack ${ack.doc}#${ack.changeNo}: no fsync of ${write.target} completed between the write of change ${change.changeNo} and the ack`);
    }
  }
  return problems;
}
