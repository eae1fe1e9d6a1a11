/**
 * A relay data folder as the first data format wrote it
 * (tests/fixtures/relay-data-v1, made by tests/fixtures/makeRelayData.ts)
 * opens in this version with nothing lost: the relay process starts on a
 * copy, the crew member's token still works, the receipt's lines come back
 * over /mux, and the photo is served by its hash. Every later version keeps
 * this test, and adds the fixture of each new format.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoreIdentity } from '../../relay/storage/storeIdentity';
import { readRecord } from '../../shared/model';
import { connectDevice } from '../support/rawDevice';
import { spawnRelay, type RelayProcess } from '../support/relayProcess';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/relay-data-v1');

describe('the data folder of format 1', () => {
  let dir: string;
  let relay: RelayProcess;
  let facts: { crewToken: string; crewId: string; doc: string; lines: number[]; photo: string };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-fixture-v1-'));
    await cp(FIXTURE, dir, { recursive: true });
    facts = JSON.parse(await readFile(path.join(dir, 'FIXTURE.json'), 'utf8')) as typeof facts;
    relay = await spawnRelay(dir);
  });
  afterAll(async () => {
    relay?.child.kill('SIGTERM');
    await relay?.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('opens with its records, its users and its photos', async () => {
    expect(await readFile(path.join(dir, 'FORMAT'), 'utf8')).toBe('tally-data 1\n');
    // Written before folders had an identity: it gets one at start.
    expect(await readStoreIdentity(FIXTURE)).toBeNull();
    expect(await readStoreIdentity(dir)).toMatch(/^[0-9a-f]{32}$/);
    const session = await fetch(`${relay.url}/api/session`, { headers: { authorization: `Bearer ${facts.crewToken}` } });
    expect(session.status).toBe(200);

    const device = await connectDevice((p) => `ws://127.0.0.1:${relay.port}${p}`, { id: facts.crewId, name: 'Fixture Crew', role: 'crew', token: facts.crewToken }, 'fixture-dock');
    try {
      const doc = await device.open(facts.doc);
      const lines = readRecord(doc).entries.flatMap((e) => (e.kind === 'line' ? [e.qty] : []));
      expect(lines).toEqual(facts.lines);
    } finally {
      device.close();
    }

    const photo = await fetch(`${relay.url}/files/${facts.photo}`, { headers: { authorization: `Bearer ${facts.crewToken}` } });
    expect(photo.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await photo.arrayBuffer())).digest('hex')).toBe(facts.photo);
  });
});
