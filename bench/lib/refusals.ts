/**
 * Writes a server refused during a workload. A refused write is never
 * acknowledged, so without this a workload whose every write is refused
 * reads as "0/s" or "lines missing"; run.ts fails any workload with a refusal
 * and names the first reason. Kept per server, reset before each workload.
 */
import type { ChildServer } from '../servers/ChildServer';

export class RefusalLog {
  count = 0;
  /** The first refusal of the workload, verbatim: the others often follow from it. */
  first = '';
  private readonly byReason = new Map<string, number>();

  /** Notes one refusal of a write to `doc`; the first of a workload is printed at once. */
  record(serverId: string, doc: string, reason: string): void {
    this.count += 1;
    if (this.count === 1) this.first = `${doc}: ${reason}`;
    // Entry ids, sequence numbers and document numbers vary; the reason's kind does not.
    const [, code = '', text = reason] = /^(error \d+: )?(.*)$/s.exec(reason) ?? [];
    const kind = code + text.replace(/\d+/g, 'N');
    this.byReason.set(kind, (this.byReason.get(kind) ?? 0) + 1);
    if (this.count === 1) process.stderr.write(`[bench] ${serverId} REFUSED a write to ${doc}: ${reason}\n`);
  }

  reset(): void {
    this.count = 0;
    this.first = '';
    this.byReason.clear();
  }

  /** One line for the report: how many, and the most frequent reasons. */
  summary(): string {
    const reasons = [...this.byReason].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([r, n]) => `${n}x ${r}`);
    return `${this.count} writes refused by the server, first ${this.first} (by kind: ${reasons.join('; ')})`;
  }
}

const logs = new WeakMap<ChildServer, RefusalLog>();

/** The refusal log of `server`'s current workload. */
export function refusalsOf(server: ChildServer): RefusalLog {
  let log = logs.get(server);
  if (!log) {
    log = new RefusalLog();
    logs.set(server, log);
  }
  return log;
}
