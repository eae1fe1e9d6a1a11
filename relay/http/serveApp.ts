/**
 * Serves the built app (dist/app) from the relay, so a LAN box needs nothing
 * else. Hashed assets are cached for good; the shell (index.html) and the
 * service worker are always revalidated so an update reaches devices.
 * Unknown paths get index.html: the app routes on the client.
 */
import type http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const NEVER_CACHE = new Set(['/index.html', '/sw.js', '/registerSW.js', '/manifest.webmanifest']);

/** Returns an HTTP handler for the app in `appDir`; it answers GET/HEAD and returns false otherwise. */
export function serveApp(appDir: string): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const root = path.resolve(appDir);
  const fileAt = (urlPath: string): { file: string; size: number } | null => {
    const file = path.resolve(root, `.${urlPath}`);
    if (file !== root && !file.startsWith(root + path.sep)) return null;
    try {
      const stat = statSync(file);
      return stat.isFile() ? { file, size: stat.size } : null;
    } catch {
      return null;
    }
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://relay.invalid').pathname);
    } catch {
      return false;
    }
    if (urlPath.startsWith('/api/') || urlPath === '/healthz') return false;
    let found = urlPath === '/' ? null : fileAt(urlPath);
    let served = urlPath;
    if (!found) {
      // Client-side routes (and `/`) get the shell.
      if (path.extname(urlPath) && urlPath !== '/') return false;
      found = fileAt('/index.html');
      served = '/index.html';
      if (!found) return false;
    }
    const cache = NEVER_CACHE.has(served) ? 'no-cache' : served.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, {
      'content-type': TYPES[path.extname(found.file)] ?? 'application/octet-stream',
      'content-length': found.size,
      'cache-control': cache,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(found.file).pipe(res);
    return true;
  };
}
