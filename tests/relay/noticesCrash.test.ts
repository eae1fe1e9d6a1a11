import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addUser, spawnRelay, type RelayProcess } from '../support/relayProcess';

describe('notices in the relay process', () => {
  let dir = '';
  let relay: RelayProcess | undefined;
  afterEach(async () => {
    relay?.child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses no notice answered 201 when SIGKILLed right after the answer', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-notices-crash-'));
    const { token } = await addUser(dir, 'sue', 'supervisor');
    relay = await spawnRelay(dir);
    const post = (text: string): Promise<Response> =>
      fetch(`${relay!.url}/api/notices`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ kind: 'safety', severity: 'warning', text }) });
    // Many at once, so some are fsynced while others wait their turn; kill the moment the last 201 arrives.
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(`alert ${i}`).then((res) => [res.status, i] as const)));
    relay.child.kill('SIGKILL');
    await relay.exited;
    expect(answers.every(([status]) => status === 201)).toBe(true);

    relay = await spawnRelay(dir);
    const res = await fetch(`${relay.url}/api/notices?since=0`, { headers: { authorization: `Bearer ${token}` } });
    const { notices } = (await res.json()) as { notices: { seq: number; body: { text: string } }[] };
    expect(notices.map((n) => n.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(notices.map((n) => n.body.text).sort()).toEqual(answers.map(([, i]) => `alert ${i}`).sort());
  });
});
