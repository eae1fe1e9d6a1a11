/**
 * `npm start`: the relay as a process. Opens the LevelDB store, the users
 * file and the devices file in TALLY_DATA, serves the built app, listens on
 * PORT, prints where, and on the very first start gives a one-time admin
 * sign-in link: printed with its QR code on a terminal, else in
 * `<data>/first-admin-link.txt` (0600). With TLS off and a LAN address, it
 * says that phones need TLS for offline use (see http/lanNotice). On SIGTERM/SIGINT it closes connections, flushes every pending
 * write to disk and exits 0.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import pino from 'pino';
import { readConfig } from './config';
import { inProcessBackups } from './backup/backupArchive';
import { workerBackups } from './backup/workerBackups';
import { BackupSchedule } from './backup/BackupSchedule';
import { DATA_FORMAT, prepareDataFolder } from './storage/dataFormat';
import { ensureStoreIdentity } from './storage/storeIdentity';
import { createRelay } from './createRelay';
import { LevelDocStore } from './storage/LevelDocStore';
import { FileUserStore } from './auth/FileUserStore';
import { FileDeviceStore } from './auth/FileDeviceStore';
import { lanAddresses, loadSiteCertificate } from './http/siteCertificate';
import { offerFirstAdminLink } from './auth/firstAdminLink';
import { plainHttpNotice } from './http/lanNotice';
import { RelayDiagnostics } from './diag/RelayDiagnostics';
import { RelayMetrics } from './metrics/RelayMetrics';

async function main(): Promise<void> {
  const config = readConfig();
  const log = pino({ level: config.logLevel, base: { svc: 'tally-relay' } });
  mkdirSync(config.dataDir, { recursive: true });
  const tls = await loadSiteCertificate(process.env, config.dataDir);
  const diagnostics = config.diagnostics ? new RelayDiagnostics() : undefined;
  const metrics = new RelayMetrics();
  const store = await LevelDocStore.open(path.join(config.dataDir, 'docs'), { log, stages: diagnostics?.stages, onBatch: (b) => metrics.batch(b), sharedWithWorkers: true });
  const backupFiles = { dataDir: config.dataDir, photosDir: path.join(config.dataDir, 'files', 'photos'), site: config.site };
  // While the relay serves devices, a backup runs on its own thread, beside the acks.
  const backups = workerBackups({ store, ...backupFiles });
  let storeId: string;
  try {
    // Before the relay serves anyone: nothing to give way to, so at full speed.
    const beforeMigration = inProcessBackups({ exportSnapshot: store.exportSnapshot.bind(store), ...backupFiles }, { pace: false });
    const format = await prepareDataFolder({ dataDir: config.dataDir, backup: (out) => beforeMigration.take(out as Writable) });
    if (format.kind === 'migrate') log.warn({ from: format.from, to: DATA_FORMAT }, 'data folder migrated after a backup was written beside it');
    const identity = await ensureStoreIdentity(config.dataDir);
    if (identity.made) log.info({ storeId: identity.id }, 'data folder given its identity');
    storeId = identity.id;
  } catch (err) {
    log.error({ dataDir: config.dataDir }, (err as Error).message);
    process.stderr.write(`tally relay: ${(err as Error).message}\n`);
    await store.close();
    process.exit(1);
  }
  const users = await FileUserStore.open(config.dataDir, { onError: (err) => log.error({ err: err.message }, 'users file problem') });
  const devices = await FileDeviceStore.open(config.dataDir);
  const appDir = existsSync(path.join(config.appDir, 'index.html')) ? config.appDir : undefined;
  if (!appDir) log.warn({ appDir: config.appDir }, 'the app is not built (npm run build): serving the relay only');

  const schedule = config.backups ? new BackupSchedule({ backups, ...config.backups, log }) : null;
  if (schedule && config.backups) {
    mkdirSync(config.backups.dir, { recursive: true });
    await schedule.start();
    log.info({ dir: config.backups.dir, everyMs: config.backups.everyMs, keep: config.backups.keep }, 'scheduled backups on');
  }
  const relay = await createRelay({ store, users, devices, appDir, site: config.site, tls: tls ?? undefined, host: config.host, port: config.port, limits: config.limits, photos: { dir: path.join(config.dataDir, 'files'), maxPhotoBytes: config.maxPhotoBytes }, notices: { file: path.join(config.dataDir, 'notices.log') }, backup: backups, storeId, lastBackupAt: schedule ? () => schedule.lastGoodAt : undefined, dataDir: config.dataDir, log, diagnostics, metrics: { registry: metrics, token: config.metricsToken } });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: flushing pending writes');
    try {
      schedule?.stop();
      await relay.close();
      await users.close();
      await devices.close();
      await store.close();
      log.info({}, 'stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err: String(err) }, 'stop failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const urls = reachableUrls(tls ? 'https' : 'http', config.host, relay.port);
  // Settled before "listening" is printed: whoever waits for that line finds the link file as it will stay.
  const printFirstAdmin = await offerFirstAdminLink({
    users,
    urls,
    dataDir: config.dataDir,
    terminal: process.stdout.isTTY === true,
    write: (text) => process.stdout.write(text),
    log,
  });
  log.info({ port: relay.port, host: config.host, data: config.dataDir, site: config.site, tls: tls?.source ?? 'off' }, 'relay listening');
  for (const url of urls) process.stdout.write(`Tally relay listening on ${url}\n`);
  if (tls) process.stdout.write(`TLS certificate ${tls.source}, SHA-256 fingerprint ${tls.fingerprint}\n`);
  printFirstAdmin();
  const notice = plainHttpNotice(urls);
  if (notice) process.stdout.write(`\n${notice}`);
}

/** The URLs a person on the LAN can use to reach this relay. */
function reachableUrls(scheme: string, host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`${scheme}://${host}:${port}`];
  return [`${scheme}://localhost:${port}`, ...lanAddresses().map((ip) => `${scheme}://${ip}:${port}`)];
}

main().catch((err: unknown) => {
  process.stderr.write(`tally relay failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
