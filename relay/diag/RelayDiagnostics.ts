/**
 * The relay's diagnostics for the bench (TALLY_DIAGNOSTICS=1): its pauses
 * (event-loop delay, GC) and where changes spend their time (StageTimings),
 * read at `GET /debug/diagnostics` (`?reset=1` starts a new window after
 * reading). Off in production: nothing is recorded and the path is a 404.
 */
import type http from 'node:http';
import { watchPauses, type PauseMonitor, type PausesSnapshot } from './ProcessPauses';
import { StageTimings } from './StageTimings';

export interface DiagnosticsSnapshot extends PausesSnapshot, ReturnType<StageTimings['snapshot']> {}

export class RelayDiagnostics {
  readonly stages = new StageTimings();
  private readonly pauses: PauseMonitor = watchPauses();

  snapshot(): DiagnosticsSnapshot {
    return { ...this.pauses.snapshot(), ...this.stages.snapshot() };
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
    const body = JSON.stringify(this.snapshot());
    if (url.searchParams.get('reset') === '1') this.reset();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
    return true;
  }
}

export const DIAGNOSTICS_PATH = '/debug/diagnostics';
