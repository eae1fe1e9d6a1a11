/**
 * `GET /metrics`: the relay's figures in Prometheus text format (prom-client),
 * for a site's monitoring: changes acknowledged and refused (by reason),
 * connections, open documents, storage health, fsync durations and batch
 * sizes, ack latency, the age of the last good backup, and Node's own process
 * metrics. No label names a user, a device or a document: the set of series
 * stays small and says nothing about who did what. With TALLY_METRICS_TOKEN
 * set, a scrape must bring `Authorization: Bearer <that token>`.
 */
import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a change was refused, as the `reason` label says it (a closed set). */
export type RefusalReason = 'forbidden' | 'missing_changes' | 'too_large' | 'unreadable';

/** What the change path reports (PeerSession). */
export interface ChangeCounters {
  acked(changes: number, latencySeconds: number): void;
  refused(reason: RefusalReason): void;
}

/** What the store reports per fsynced batch (LevelDocStore's onBatch). */
export interface BatchReport {
  readonly writes: number;
  readonly writeMs: number;
}

/** Read at each scrape. */
export interface RelayGauges {
  connections(): number;
  openDocs(): number;
  storageOk(): boolean;
  /** Seconds since the last good backup; null when none yet or backups are not scheduled. */
  lastBackupAgeSeconds(): number | null;
}

/** See the module comment. */
export class RelayMetrics implements ChangeCounters {
  readonly registry = new Registry();
  private readonly ackedTotal: Counter;
  private readonly refusedTotal: Counter<'reason'>;
  private readonly ackLatency: Histogram;
  private readonly fsyncDuration: Histogram;
  private readonly batchSize: Histogram;
  private gauges: RelayGauges | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.ackedTotal = new Counter({ name: 'tally_changes_acked_total', help: 'Changes acknowledged to devices once durable (fsynced).', registers });
    this.refusedTotal = new Counter({ name: 'tally_changes_refused_total', help: 'Changes the relay refused, by reason.', labelNames: ['reason'], registers });
    this.ackLatency = new Histogram({
      name: 'tally_ack_latency_seconds',
      help: 'From a change read off the socket to its acknowledgement (it is on disk).',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    this.fsyncDuration = new Histogram({
      name: 'tally_fsync_duration_seconds',
      help: 'One LevelDB batch written with fsync.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers,
    });
    this.batchSize = new Histogram({ name: 'tally_fsync_batch_size', help: 'Writes carried by one fsync (group commit).', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers });
    const gauge = (name: string, help: string, read: (g: RelayGauges) => number | null): void => {
      const metrics = this;
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const value = metrics.gauges ? read(metrics.gauges) : null;
          if (value === null) this.reset();
          else this.set(value);
        },
      });
    };
    gauge('tally_connections', 'Open device connections (/mux and /sync/).', (g) => g.connections());
    gauge('tally_open_docs', 'Documents open in memory.', (g) => g.openDocs());
    gauge('tally_storage_ok', '1 while the store writes, 0 while it is failing (nothing is acknowledged then).', (g) => (g.storageOk() ? 1 : 0));
    gauge('tally_last_backup_age_seconds', 'Seconds since the last good backup (absent when none).', (g) => g.lastBackupAgeSeconds());
  }

  /** Where the gauges are read from (the relay, once it runs). */
  observe(gauges: RelayGauges): void {
    this.gauges = gauges;
  }

  acked(changes: number, latencySeconds: number): void {
    this.ackedTotal.inc(changes);
    this.ackLatency.observe(latencySeconds);
  }

  refused(reason: RefusalReason): void {
    this.refusedTotal.inc({ reason });
  }

  /** One fsynced batch of the store. */
  batch(report: BatchReport): void {
    this.fsyncDuration.observe(report.writeMs / 1000);
    this.batchSize.observe(report.writes);
  }

  /** The `/metrics` handler (false for other paths); `token` is TALLY_METRICS_TOKEN, when set. */
  handler(token: string | undefined): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
    return (req, res) => {
      if ((req.url ?? '').split('?')[0] !== '/metrics') return false;
      if (token && !bearerMatches(req.headers.authorization, token)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics need Authorization: Bearer <TALLY_METRICS_TOKEN>\n');
        return true;
      }
      void this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`cannot collect metrics: ${String(err)}\n`);
        },
      );
      return true;
    };
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
