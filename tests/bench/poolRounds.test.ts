/**
 * Pooling the ack-latency rounds (bench/workloads/ackLatency.ts): the
 * figures are percentiles over every round's samples, not an average of
 * rounds, and each round stays visible beside them.
 */
import { describe, expect, it } from 'vitest';
import { poolRounds, type AckLatencyResult, type LatencyRound } from '../../bench/workloads/ackLatency';
import type { BenchDiagnostics } from '../../bench/servers/ChildServer';

const cost = { wallMs: 12_000, generatorCpuMs: 3_000, serverCpuMs: 9_000, machineCpuMs: 13_000 };

/** A round whose latencies are `values` (ms) and whose longest fsync was `fsyncMax`. */
function round(values: number[], fsyncMax: number, missing = 0): LatencyRound {
  const latencies = Float64Array.from(values).sort();
  const diagnostics = { stages: { 'store.write': { count: 1, p50: 0.3, p99: fsyncMax, max: fsyncMax } } } as unknown as BenchDiagnostics;
  const result: AckLatencyResult = {
    p50: latencies[Math.ceil(latencies.length / 2) - 1]!,
    p99: latencies[Math.ceil(latencies.length * 0.99) - 1]!,
    p999: latencies[latencies.length - 1]!,
    max: latencies[latencies.length - 1]!,
    measured: values.length + missing,
    missing,
    sendLagP50: 0.5,
    sendLagP99: 2,
    fromSendP50: 1,
    fromSendP99: 5,
    rssStart: 100,
    rssEnd: 200,
    worstPerHalfSecond: [latencies[latencies.length - 1]!],
    diagnostics,
    cost,
  };
  return { result, latencies, fromSend: latencies, lags: Float64Array.from(values, () => 0.5) };
}

describe('poolRounds', () => {
  // 100 samples each: a quiet round, one with a stall in 3 of its samples, a quiet one.
  const quiet = Array.from({ length: 100 }, (_, i) => 1 + i / 100);
  const stalled = [...quiet.slice(0, 97), 40, 45, 50];
  const pooled = poolRounds([round(quiet, 3), round(stalled, 48, 1), round(quiet, 4)]);

  it('takes its percentiles over every sample of every round', () => {
    // 300 samples: the p99 is the 297th, below the 3 stalled ones; the max is the stall.
    expect(pooled.p99).toBeCloseTo(1.99);
    expect(pooled.max).toBe(50);
    expect(pooled.p50).toBeCloseTo(1.49);
  });

  it('adds up what was measured, missed and spent', () => {
    expect([pooled.measured, pooled.missing]).toEqual([301, 1]);
    expect(pooled.cost).toEqual({ wallMs: 36_000, generatorCpuMs: 9_000, serverCpuMs: 27_000, machineCpuMs: 39_000 });
  });

  it("keeps each round's own figures, in order, with its longest fsync", () => {
    expect(pooled.rounds!.map((r) => [Math.round(r.p99 * 100) / 100, r.longestFsyncMs, r.missing])).toEqual([
      [1.98, 3, 0],
      [45, 48, 1],
      [1.98, 4, 0],
    ]);
  });

  it("explains the worst round: its pauses and stages are the ones shown", () => {
    expect(pooled.diagnostics!.stages['store.write']!.max).toBe(48);
  });
});
