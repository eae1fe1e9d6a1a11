import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { connectRaw, type RawClient } from '../support/rawClient';
import { startTestRelay, type TestRelay } from '../support/testRelay';
import { createSiteUsers, type SiteUsers } from '../support/siteUsers';
import { openDoc, tryReadFrame } from '../support/muxClient';
import { CloseCode } from '../../shared/protocol/closeCodes';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('authentication', () => {
  let users: SiteUsers;
  let t: TestRelay;
  const clients: RawClient[] = [];
  const connect = async (p: string): Promise<RawClient> => {
    const c = await connectRaw(t.wsUrl(p));
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    users = await createSiteUsers();
    t = await startTestRelay({ users: users.store });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await t.cleanup();
    await users.cleanup();
  });

  it.each([
    ['no token', '/mux'],
    ['a wrong token', '/mux?token=not-a-token'],
    ['no token on the per-document endpoint', '/sync/record:R1'],
    ['a wrong token on the per-document endpoint', '/sync/record:R1?token=abc'],
  ])('closes a connection with %s with 4401 before sending any document data', async (_what, p) => {
    const c = await connect(p);
    const closed = await c.closed;
    expect(closed).toEqual({ code: CloseCode.unauthorized.code, reason: CloseCode.unauthorized.reason });
    expect(c.received).toEqual([]);
  });

  it('accepts a valid token on both endpoints', async () => {
    const mux = await connect(`/mux?token=${users.crew.token}&device=d1`);
    openDoc(mux, 'record:R1');
    await mux.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
    const perDoc = await connect(`/sync/record:R1?token=${users.crew.token}`);
    await perDoc.waitFor((m) => (m[0] === 0 ? true : undefined));
  });

  it('disconnects a user revoked with the CLI within seconds, and refuses them after', async () => {
    const c = await connect(`/mux?token=${users.crew.token}&device=d1`);
    openDoc(c, 'record:R1');
    await c.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
    const revokedAt = Date.now();
    await run(process.execPath, ['--import', 'tsx', 'relay/cli/users.ts', 'revoke', users.crew.name, '--data', users.dir], { cwd: ROOT });
    expect((await c.closed).code).toBe(CloseCode.unauthorized.code);
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    const again = await connect(`/mux?token=${users.crew.token}`);
    expect((await again.closed).code).toBe(CloseCode.unauthorized.code);
    // Others are not affected.
    const other = await connect(`/mux?token=${users.crew2.token}`);
    openDoc(other, 'record:R1');
    await other.waitFor((m) => (tryReadFrame(m)?.type === 'doc' ? true : undefined));
  });
});
