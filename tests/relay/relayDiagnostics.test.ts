/**
 * RelayDiagnostics' memory figures at `GET /debug/diagnostics`: what the
 * photo bench reads to tell what the relay holds from garbage not yet
 * collected. A real http server on loopback, port 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayDiagnostics, type DiagnosticsSnapshot } from '../../relay/diag/RelayDiagnostics';

describe('RelayDiagnostics', () => {
  let server: http.Server | null = null;
  let diagnostics: RelayDiagnostics | null = null;
  const global = globalThis as { gc?: () => void };
  const hadGc = global.gc;
  afterEach(async () => {
    global.gc = hadGc;
    diagnostics?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  /** GET `path` from a server that answers with `diagnostics.handle`. */
  async function get(path: string): Promise<DiagnosticsSnapshot> {
    diagnostics ??= new RelayDiagnostics();
    const d = diagnostics;
    server ??= await new Promise<http.Server>((resolve) => {
      const s = http.createServer((req, res) => {
        if (!d.handle(req, res)) res.writeHead(404).end();
      });
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    expect(res.status).toBe(200);
    return (await res.json()) as DiagnosticsSnapshot;
  }

  describe('handle', () => {
    it("answers the process's memory, heap, external and ArrayBuffers apart, not collected first by default", async () => {
      const { memory } = await get('/debug/diagnostics');
      expect(memory.rss).toBeGreaterThan(memory.heapUsed);
      expect(memory.heapTotal).toBeGreaterThanOrEqual(memory.heapUsed);
      expect(memory.external).toBeGreaterThanOrEqual(memory.arrayBuffers);
      expect(memory.collected).toBe(false);
    });

    it('collects first with ?gc=1 when the process exposes gc, and says whether it did', async () => {
      global.gc = undefined;
      expect((await get('/debug/diagnostics?gc=1')).memory.collected).toBe(false);
      let collections = 0;
      global.gc = () => void collections++;
      expect((await get('/debug/diagnostics?gc=1')).memory.collected).toBe(true);
      expect((await get('/debug/diagnostics')).memory.collected).toBe(false);
      expect(collections).toBe(1);
    });
  });
});
