/**
 * `npm start`: the relay as a process. Opens the LevelDB store, the users
 * file and the devices file in TALLY_DATA, serves the built app, listens on
 * PORT, prints where, and on the very first start gives a one-time admin
 * sign-in link: printed with its QR code on a terminal, else in
 * `<data>/first-admin-link.txt` (0600). On SIGTERM/SIGINT it closes connections, flushes every pending
 * write to disk and exits 0.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { readConfig } from './config';
import { createRelay } from './createRelay';
import { LevelDocStore } from './storage/LevelDocStore';
import { FileUserStore } from './auth/FileUserStore';
import { FileDeviceStore } from './auth/FileDeviceStore';
import { lanAddresses, loadSiteCertificate } from './http/siteCertificate';
import { offerFirstAdminLink } from './auth/firstAdminLink';
import { RelayDiagnostics } from './diag/RelayDiagnostics';

async function main(): Promise<void> {
  const config = readConfig();
  const log = pino({ level: config.logLevel, base: { svc: 'tally-relay' } });
  mkdirSync(config.dataDir, { recursive: true });
  const tls = await loadSiteCertificate(process.env, config.dataDir);
  const diagnostics = config.diagnostics ? new RelayDiagnostics() : undefined;
  const store = await LevelDocStore.open(path.join(config.dataDir, 'docs'), { log, stages: diagnostics?.stages });
  const users = await FileUserStore.open(config.dataDir, { onError: (err) => log.error({ err: err.message }, 'users file problem') });
  const devices = await FileDeviceStore.open(config.dataDir);
  const appDir = existsSync(path.join(config.appDir, 'index.html')) ? config.appDir : undefined;
  if (!appDir) log.warn({ appDir: config.appDir }, 'the app is not built (npm run build): serving the relay only');

  const relay = await createRelay({ store, users, devices, appDir, site: config.site, tls: tls ?? undefined, host: config.host, port: config.port, limits: config.limits, log, diagnostics });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: flushing pending writes');
    try {
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
