/**
 * Relay configuration from the environment, validated once at start so a
 * typo fails loudly instead of running with a surprise default.
 */
import path from 'node:path';
import { parseDuration } from './backup/BackupSchedule';
import type { RelayLimits } from './limits';
import { repoRoot } from './repoRoot';

export interface RelayConfig {
  port: number;
  host: string;
  dataDir: string;
  logLevel: string;
  /** The site this relay serves (TALLY_SITE). */
  site: string;
  /** The built app to serve (TALLY_APP_DIR, default dist/app in the repo). */
  appDir: string;
  limits: Partial<RelayLimits>;
  /** Largest photo upload accepted (TALLY_MAX_PHOTO_BYTES, default 20 MiB). */
  maxPhotoBytes: number;
  /** Scheduled backups (TALLY_BACKUP_DIR, TALLY_BACKUP_EVERY default 6h, TALLY_BACKUP_KEEP default 7); null when off. */
  backups: { dir: string; everyMs: number; keep: number } | null;
  /** TALLY_DIAGNOSTICS=1: record pauses and per-stage timings, served at /debug/diagnostics (for the bench). */
  diagnostics: boolean;
  /** TALLY_METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>`. */
  metricsToken: string | undefined;
}

const LIMIT_ENV: Record<string, keyof RelayLimits> = {
  TALLY_MAX_MESSAGE_BYTES: 'maxMessageBytes',
  TALLY_MAX_DOC_BYTES: 'maxDocBytes',
  TALLY_MAX_DOCS_PER_CONNECTION: 'maxDocsPerConnection',
  TALLY_MAX_BUFFERED_BYTES: 'maxBufferedBytes',
  TALLY_COMPACT_AFTER_UPDATES: 'compactAfterUpdates',
  TALLY_IDLE_EVICT_MS: 'idleEvictMs',
  TALLY_PING_INTERVAL_MS: 'pingIntervalMs',
  TALLY_MAX_REFUSALS_PER_MINUTE: 'maxRefusalsPerMinute',
  TALLY_MAX_CONNECTIONS_PER_USER: 'maxConnectionsPerUser',
};

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

function siteOf(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(raw)) throw new Error(`TALLY_SITE must be letters, digits, _ or -, got ${JSON.stringify(raw)}`);
  return raw;
}

/** Reads PORT, HOST, TALLY_DATA, TALLY_SITE, TALLY_APP_DIR, LOG_LEVEL, TALLY_DIAGNOSTICS and the TALLY_* limits. Throws on bad values. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const limits: Partial<RelayLimits> = {};
  for (const [name, key] of Object.entries(LIMIT_ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') limits[key] = positiveInt(name, raw);
  }
  const port = positiveInt('PORT', env.PORT ?? '8787');
  if (port > 65535) throw new Error(`PORT must be at most 65535, got ${port}`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.TALLY_DATA ?? './data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    site: siteOf(env.TALLY_SITE ?? 'main'),
    appDir: path.resolve(env.TALLY_APP_DIR ?? path.join(repoRoot(), 'dist', 'app')),
    limits,
    maxPhotoBytes: positiveInt('TALLY_MAX_PHOTO_BYTES', env.TALLY_MAX_PHOTO_BYTES || String(20 * 1024 * 1024)),
    backups: env.TALLY_BACKUP_DIR
      ? {
          dir: path.resolve(env.TALLY_BACKUP_DIR),
          everyMs: parseDuration(env.TALLY_BACKUP_EVERY || '6h'),
          keep: Math.max(1, positiveInt('TALLY_BACKUP_KEEP', env.TALLY_BACKUP_KEEP || '7')),
        }
      : null,
    diagnostics: env.TALLY_DIAGNOSTICS === '1',
    metricsToken: env.TALLY_METRICS_TOKEN || undefined,
  };
}
