/** Small measuring helpers shared by the workloads. */
import { readFileSync } from 'node:fs';
import type { ChildServer, MemoryKind } from '../servers/ChildServer';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU and wall time of the load generator and the server over one workload. */
export interface Cost {
  wallMs: number;
  /** CPU time of this (load generator) process. */
  generatorCpuMs: number;
  /** CPU time of the server's processes (restarts included). */
  serverCpuMs: number;
  /** CPU time used on the whole machine (every process), to see others' load. */
  machineCpuMs: number;
}

/** Busy CPU time of the whole machine so far, in ms (from /proc/stat). */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
  } catch {
    return 0;
  }
}

/** Starts a cost meter; call the returned function at the end. */
export function meter(server: ChildServer): () => Cost {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  const srv0 = server.totalCpuMs();
  const machine0 = machineBusyMs();
  return () => {
    const cpu = process.cpuUsage(cpu0);
    return {
      wallMs: performance.now() - wall0,
      generatorCpuMs: (cpu.user + cpu.system) / 1000,
      serverCpuMs: server.totalCpuMs() - srv0,
      machineCpuMs: machineBusyMs() - machine0,
    };
  };
}

/** Two costs together (a workload run in rounds); `a` may be absent (the first round). */
export function addCosts(a: Cost | undefined, b: Cost): Cost {
  if (!a) return b;
  return {
    wallMs: a.wallMs + b.wallMs,
    generatorCpuMs: a.generatorCpuMs + b.generatorCpuMs,
    serverCpuMs: a.serverCpuMs + b.serverCpuMs,
    machineCpuMs: a.machineCpuMs + b.machineCpuMs,
  };
}

/** The q-quantile (0..1) of an ascending-sorted array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Samples the server's RSS (or only its anonymous memory: `ChildServer.rss`) every `everyMs` until stopped; returns peak and samples. */
export function rssSampler(server: ChildServer, everyMs = 250, kind: MemoryKind = 'all'): { stop(): { peak: number; samples: number[] } } {
  const samples: number[] = [];
  const take = () => {
    const r = server.rss(kind);
    if (r > 0) samples.push(r);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peak: Math.max(0, ...samples), samples };
    },
  };
}

/** Resolves when `cond()` is true (checked every `everyMs`), or false after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await sleep(everyMs);
  }
  return true;
}
