import type { Scheduler } from '../../relay/scheduler';

/** A Scheduler whose time moves only when a test says so. */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private nextId = 0;
  private readonly tasks = new Map<number, { at: number; task: () => void }>();

  after(ms: number, task: () => void): () => void {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, task });
    return () => void this.tasks.delete(id);
  }

  /** Tasks waiting to run. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Moves time on by `ms`, running what falls due in time order (and what those schedule within it). */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; task: () => void }] | undefined;
      for (const entry of this.tasks) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.tasks.delete(next[0]);
      this.now = next[1].at;
      next[1].task();
    }
    this.now = until;
  }
}
