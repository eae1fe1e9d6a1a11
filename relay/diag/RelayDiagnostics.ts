/**
 * The relay's diagnostics for the bench (TALLY_DIAGNOSTICS=1): its pauses
 * (event-loop delay, GC) and where changes spend their time (StageTimings),
 * read at `GET /debug/diagnostics` (`?reset=1` starts a new window after
 * reading). Off in production: nothing is recorded and the path is a 404.
 */
import type http from 'node:http';
import { watchPauses, type PauseMonitor, type PausesSnapshot } from './ProcessPauses';
import { StageTimings } from './StageTimings';

/** The process's memory when the snapshot was taken (process.memoryUsage(), bytes). */
export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside the JS heap held by JS objects (Buffers among it). */
  external: number;
  /** Of `external`: ArrayBuffers and Buffers, where a photo held whole in memory would show. */
  arrayBuffers: number;
  /** True when a full collection ran just before (`?gc=1` on a relay started with --expose-gc). */
  collected: boolean;
}

export interface DiagnosticsSnapshot extends PausesSnapshot, ReturnType<StageTimings['snapshot']> {
  memory: MemorySnapshot;
}

export class RelayDiagnostics {
  readonly stages = new StageTimings();
  private readonly pauses: PauseMonitor = watchPauses();

  snapshot(collected = false): DiagnosticsSnapshot {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    return { ...this.pauses.snapshot(), ...this.stages.snapshot(), memory: { rss, heapUsed, heapTotal, external, arrayBuffers, collected } };
  }

  reset(): void {
    this.pauses.reset();
    this.stages.reset();
  }

  stop(): void {
    this.pauses.stop();
  }

  /** Answers `GET /debug/diagnostics`; false for any other request. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (req.method !== 'GET' || url.pathname !== DIAGNOSTICS_PATH) return false;
    // With node --expose-gc, `?gc=1` collects first: the memory figures then count what is held, not garbage not yet collected.
    const collect = url.searchParams.get('gc') === '1' ? (globalThis as { gc?: () => void }).gc : undefined;
    collect?.();
    const body = JSON.stringify(this.snapshot(collect !== undefined));
    if (url.searchParams.get('reset') === '1') this.reset();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
    return true;
  }
}

export const DIAGNOSTICS_PATH = '/debug/diagnostics';
