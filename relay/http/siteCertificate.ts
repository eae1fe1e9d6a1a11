/**
 * TLS for a LAN box. Browsers give service workers, the camera and
 * `crypto.randomUUID` only to secure contexts, and plain http on a LAN
 * address is not one. Either site IT supplies a certificate
 * (TALLY_TLS_CERT/TALLY_TLS_KEY), or the relay makes one for the site once
 * (TALLY_TLS=self-signed) and keeps it in `<data>/tls`, naming every address
 * of the box so devices can trust it after installing it once.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash, X509Certificate } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export interface SiteCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, for site IT to compare on a device. */
  fingerprint: string;
  /** Where it came from: 'files' or the path of the generated certificate. */
  source: string;
}

/** Reads the TLS settings; null when TLS is off. Throws on half-set or unreadable settings. */
export async function loadSiteCertificate(env: NodeJS.ProcessEnv, dataDir: string): Promise<SiteCertificate | null> {
  const certFile = env.TALLY_TLS_CERT;
  const keyFile = env.TALLY_TLS_KEY;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('set both TALLY_TLS_CERT and TALLY_TLS_KEY (PEM files), or neither');
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, fingerprint: fingerprintOf(cert), source: 'files' };
  }
  if (!env.TALLY_TLS) return null;
  if (env.TALLY_TLS !== 'self-signed') throw new Error(`TALLY_TLS must be "self-signed" (or unset), got ${JSON.stringify(env.TALLY_TLS)}`);
  return siteCertificate(path.join(dataDir, 'tls'));
}

/** Loads the site's generated certificate from `dir`, making it on first use. */
export async function siteCertificate(dir: string): Promise<SiteCertificate> {
  const certPath = path.join(dir, 'site.crt');
  const keyPath = path.join(dir, 'site.key');
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key, fingerprint: fingerprintOf(cert), source: certPath };
  } catch {
    // not made yet
  }
  const notBefore = new Date();
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + 5);
  const host = os.hostname();
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: 'localhost' },
    { type: 2, value: host },
    { type: 7, ip: '127.0.0.1' },
    ...lanAddresses().map((ip) => ({ type: 7 as const, ip })),
  ];
  // Loaded only here: the library takes a quarter of a second to load, and most starts never need it.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: `Tally relay ${host}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert), source: certPath };
}

/** The box's non-internal IPv4 addresses. */
export function lanAddresses(): string[] {
  const out: string[] = [];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

function fingerprintOf(cert: string): string {
  try {
    return new X509Certificate(cert).fingerprint256;
  } catch {
    return createHash('sha256').update(cert).digest('hex');
  }
}
