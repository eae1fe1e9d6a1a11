/**
 * Where a change spends its time inside the relay, stage by stage, for the
 * bench: recorded only when the relay runs with diagnostics on
 * (TALLY_DIAGNOSTICS=1), into fixed-size histograms (no per-change memory).
 *
 * Stages of a `/mux` change: `queued` (read from the socket -> its room starts
 * applying it: the read's other frames, the room's queue), `apply` (judging,
 * Yjs, the reviewer, handing the write to the store), `store` (handed to the
 * store -> durable), of which `store.wait` (waiting for the batch in flight)
 * and `store.write` (the LevelDB batch with fsync); `ack` (durable -> the ack
 * frame sent: the ack batcher's turn of the loop).
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export const STAGES = ['queued', 'apply', 'store', 'store.wait', 'store.write', 'ack', 'compact'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageFigures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export class StageTimings {
  private readonly histograms = new Map<Stage, RecordableHistogram>(STAGES.map((s) => [s, createHistogram()]));
  /** Writes per store batch. */
  private readonly batchSizes = createHistogram();

  /** Records `ms` for `stage`. */
  record(stage: Stage, ms: number): void {
    // Histograms take integers >= 1: microseconds.
    this.histograms.get(stage)!.record(Math.max(1, Math.round(ms * 1000)));
  }

  /** Records one store batch of `writes`. */
  batch(writes: number): void {
    this.batchSizes.record(Math.max(1, writes));
  }

  /** Figures per stage in ms (stages without samples left out), and batch sizes. */
  snapshot(): { stages: Partial<Record<Stage, StageFigures>>; batchWrites: StageFigures | null } {
    const stages: Partial<Record<Stage, StageFigures>> = {};
    const ms = (us: number): number => Math.round(us / 10) / 100;
    for (const [stage, h] of this.histograms) {
      if (h.count === 0) continue;
      stages[stage] = { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    }
    const b = this.batchSizes;
    const batchWrites = b.count === 0 ? null : { count: b.count, p50: b.percentile(50), p99: b.percentile(99), max: b.max };
    return { stages, batchWrites };
  }

  reset(): void {
    for (const h of this.histograms.values()) h.reset();
    this.batchSizes.reset();
  }
}
