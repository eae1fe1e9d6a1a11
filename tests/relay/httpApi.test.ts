import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { siteCertificate } from '../../relay/http/siteCertificate';

describe('the relay over HTTP', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let appDir: string;
  beforeEach(async () => {
    users = await createSiteUsers();
    appDir = await mkdtemp(path.join(os.tmpdir(), 'tally-app-'));
    await mkdir(path.join(appDir, 'assets'));
    await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Tally</title>');
    await writeFile(path.join(appDir, 'assets', 'app-1234.js'), 'console.log(1)');
    await writeFile(path.join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
    t = await startTestRelay({ users: users.store, appDir, site: 'north' });
  });
  afterEach(async () => {
    await t.cleanup();
    await users.cleanup();
    await rm(appDir, { recursive: true, force: true });
  });

  it('serves the app shell, hashed assets for good, and the shell for client routes', async () => {
    const shell = await fetch(`${t.relay.url}/`);
    expect(shell.status).toBe(200);
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(await shell.text()).toContain('<title>Tally</title>');
    const asset = await fetch(`${t.relay.url}/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${t.relay.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
    expect(await (await fetch(`${t.relay.url}/records/R-1`)).text()).toContain('<title>Tally</title>');
    expect((await fetch(`${t.relay.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${t.relay.url}/..%2F..%2Fetc%2Fpasswd`)).status).not.toBe(500);
  });

  it('answers the session of a token and refuses a wrong one', async () => {
    const ok = await fetch(`${t.relay.url}/api/session`, { headers: { authorization: `Bearer ${users.crew.token}` } });
    expect(await ok.json()).toEqual({ user: expect.objectContaining({ id: users.crew.id, role: 'crew' }), site: 'north' });
    expect((await fetch(`${t.relay.url}/api/session`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('lets an admin add a user with a one-time link; others may not', async () => {
    const admin = await users.store.add({ name: 'root', role: 'admin' });
    const add = (token: string): Promise<Response> =>
      fetch(`${t.relay.url}/api/users`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'cara', role: 'crew' }) });
    expect((await add(users.supervisor.token)).status).toBe(403);
    const created = await add(admin.token);
    expect(created.status).toBe(200);
    const { link } = (await created.json()) as { link: string };
    const code = link.split('#code=')[1]!;
    const enrol = await fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: JSON.stringify({ code }) });
    expect(await enrol.json()).toMatchObject({ user: { name: 'cara', role: 'crew' } });
    expect((await add(admin.token)).status).toBe(409);
    const bad = await fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
  });
});

describe('API bodies', () => {
  let users: SiteUsers;
  let t: TestRelay;
  let admin: string;
  beforeEach(async () => {
    users = await createSiteUsers();
    admin = (await users.store.add({ name: 'root', role: 'admin' })).token;
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    await t.cleanup();
    await users.cleanup();
  });

  // path, body as sent, what the 400 says
  it.each<[string, string, RegExp]>([
    ['/api/enrol', 'null', /^body must be a JSON object, got null$/],
    ['/api/enrol', '[]', /^body must be a JSON object, got an array$/],
    ['/api/enrol', '"code"', /^body must be a JSON object, got string$/],
    ['/api/enrol', '42', /^body must be a JSON object, got number$/],
    ['/api/enrol', 'not json', /^body is not JSON$/],
    ['/api/enrol', '{"code": 1', /^body is not JSON$/],
    ['/api/enrol', '', /^code is required$/],
    ['/api/enrol', '{}', /^code is required$/],
    ['/api/enrol', '{"code": null}', /^code is required$/],
    ['/api/enrol', '{"code": 42}', /^code must be a string, got number$/],
    ['/api/enrol', '{"code": ["a"]}', /^code must be a string, got an array$/],
    ['/api/enrol', '{"code": {"toString": 1}}', /^code must be a string, got object$/],
    ['/api/enrol', '{"code": ""}', /^code must not be empty$/],
    ['/api/enrol', '{"code": "x", "device": 7}', /^device must be a device id .*, got number$/],
    ['/api/enrol', '{"code": "x", "device": "a b"}', /^device must be a device id .*, got "a b"$/],
    ['/api/enrol', '{"code": "x", "device": ""}', /^device must be a device id/],
    ['/api/users', 'null', /^body must be a JSON object, got null$/],
    ['/api/users', '{"role": "crew"}', /^name is required$/],
    ['/api/users', '{"name": 5, "role": "crew"}', /^name must be a string, got number$/],
    ['/api/users', '{"name": "cara"}', /^role is required$/],
    ['/api/users', '{"name": "cara", "role": ["crew"]}', /^role must be a string, got an array$/],
    ['/api/users', '{"name": "cara", "role": "boss"}', /^role must be one of crew, supervisor, auditor, admin, got "boss"$/],
    ['/api/users', '{"name": "  ", "role": "crew"}', /^a user name is 1-64 printable characters/],
  ])('POST %s with %j answers 400 with a reason', async (path, body, reason) => {
    const res = await fetch(`${t.relay.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('answers 400, not 500, for a malformed user id in the path', async () => {
    const res = await fetch(`${t.relay.url}/api/users/%E0%A4%A/revoke`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(res.status).toBe(400);
    expect(t.logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('answers 413 for a body over 16 KiB', async () => {
    const res = await fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: JSON.stringify({ code: 'x'.repeat(20_000) }) });
    expect(res.status).toBe(413);
  });

  it('leaves a valid link unspent when its body was refused', async () => {
    const { code } = await users.store.createEnrolment(users.crew.id);
    expect((await fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: JSON.stringify({ code, device: 'a b' }) })).status).toBe(400);
    expect((await fetch(`${t.relay.url}/api/enrol`, { method: 'POST', body: JSON.stringify({ code, device: 'tablet-1' }) })).status).toBe(200);
  });
});

describe('TLS with a site certificate', () => {
  it('serves https with a certificate it made for the site, and keeps it across restarts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tally-tls-'));
    try {
      const cert = await siteCertificate(dir);
      expect((await siteCertificate(dir)).fingerprint).toBe(cert.fingerprint);
      const t = await startTestRelay({ tls: cert });
      try {
        expect(t.relay.url).toMatch(/^https:/);
        const body = await new Promise<string>((resolve, reject) => {
          https
            .get(`${t.relay.url}/healthz`, { ca: cert.cert, servername: 'localhost', headers: { host: 'localhost' } }, (res) => {
              let data = '';
              res.on('data', (d: Buffer) => (data += d.toString()));
              res.on('end', () => resolve(data));
            })
            .on('error', reject);
        });
        expect(JSON.parse(body)).toMatchObject({ ok: true });
      } finally {
        await t.cleanup();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
