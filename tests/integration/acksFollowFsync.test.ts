/**
 * Proof that an ack follows the fsync, from the relay's own system calls: a
 * SIGKILL cannot tell a flushed write from one still in the page cache, so
 * the relay process runs under strace while several devices send a burst of
 * changes, and every ack frame it writes to a socket must come after an
 * fsync/fdatasync of the LevelDB log that completed after the write carrying
 * each change it acknowledges. The check itself (straceAcks.ts) is shown to
 * fail on a relay that acks early, from logs shaped like the real one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReceiveLine, createReceipt } from '../../shared/model';
import { connectDevice, type RawDevice } from '../support/rawDevice';
import { addUser, spawnRelay, type RelayProcess } from '../support/relayProcess';
import { acksIn, parseStrace, unprovenAcks, type SentChange } from '../support/straceAcks';

const DEVICES = 4;
const LINES = 6;

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('acks follow the fsync, by the relay\'s system calls', () => {
  let dir: string;
  let relay: RelayProcess;
  const traceFile = () => path.join(dir, 'relay.strace');

  beforeAll(async () => {
    // .ci/run installs strace (Debian's package); without it this proof cannot be made.
    expect(hasStrace(), 'strace is not installed (apt-get install strace)').toBe(true);
    dir = await mkdtemp(path.join(os.tmpdir(), 'tally-strace-'));
  });
  afterAll(async () => {
    relay?.kill('SIGKILL');
    await relay?.exited;
    await rm(dir, { recursive: true, force: true });
  });

  it('every ack of a burst from several devices comes after an fsync of the write carrying its change', async () => {
    const users = await Promise.all(Array.from({ length: DEVICES }, (_, i) => addUser(dir, `crew ${i}`, 'crew')));
    relay = await spawnRelay(dir, {}, { under: ['strace', '-f', '-ttt', '-T', '-yy', '-xx', '-s', '65536', '-e', 'trace=write,writev,pwrite64,fsync,fdatasync', '-o', traceFile()] });
    const wsUrl = (p: string) => `ws://127.0.0.1:${relay.port}${p}`;
    const sent: SentChange[] = [];
    const devices: RawDevice[] = await Promise.all(users.map((u, i) => connectDevice(wsUrl, { id: u.id, name: `crew ${i}`, role: 'crew', token: u.token }, `dock-${i}`)));
    try {
      await Promise.all(
        devices.map(async (device, i) => {
          const doc = `record:R-STRACE-${i}`;
          await device.open(doc);
          await device.write(doc, (d, author) => createReceipt(d, author, { id: `R-STRACE-${i}`, site: 'main', supplier: `MARKERSUPPLIER${i}` }));
          sent.push({ doc, changeNo: 1, marker: `MARKERSUPPLIER${i}` });
          for (let n = 0; n < LINES; n++) {
            const marker = `MARKERLINE${i}X${n}`;
            await device.write(doc, (d, author) => addReceiveLine(d, author, { item: marker, qty: 1 }));
            sent.push({ doc, changeNo: n + 2, marker });
          }
        }),
      );
    } finally {
      for (const d of devices) d.close();
    }
    // strace writes its log as calls return: the last acks are in it once the relay has gone quiet.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const calls = parseStrace(await readFile(traceFile(), 'utf8'));
    const docs = [...new Set(sent.map((s) => s.doc))];
    const acks = acksIn(calls, docs, LINES + 1);
    // Every change was acknowledged (each device waited for each ack), and each ack is in the trace.
    expect(new Set(acks.map((a) => `${a.doc}#${a.changeNo}`)).size).toBeGreaterThanOrEqual(DEVICES * (LINES + 1) * 0.9);
    expect(calls.some((c) => c.name === 'fdatasync' || c.name === 'fsync')).toBe(true);
    expect(unprovenAcks(calls, acks, sent)).toEqual([]);
  });
});

describe('the check, on a relay that acks early', () => {
  const pid = 100;
  const line = (at: number, call: string, dur = 0.000_01): string => `${pid} ${at.toFixed(6)} ${call} <${dur.toFixed(6)}>`;
  const hex = (text: string) => [...Buffer.from(text)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const ackFrame = (doc: string, n: number) => {
    const payload = Buffer.concat([Buffer.from([2, doc.length]), Buffer.from(doc), Buffer.from([n])]);
    return [...Buffer.concat([Buffer.from([0x82, payload.length]), payload])].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  };
  const LOG = '/data/docs/000005.log';
  const SOCK = 'TCP:[127.0.0.1:8787->127.0.0.1:50000]';
  const sent: SentChange[] = [{ doc: 'record:R-1', changeNo: 1, marker: 'MARKERA' }];
  const check = (trace: string[]) => {
    const calls = parseStrace(trace.join('\n'));
    return unprovenAcks(calls, acksIn(calls, ['record:R-1'], 3), sent);
  };

  it('passes an ack written after the fsync that followed the change', () => {
    expect(
      check([
        line(1.0, `write(7<${LOG}>, "${hex('..MARKERA..')}", 11) = 11`),
        line(1.1, `fdatasync(7<${LOG}>) = 0`, 0.01),
        line(1.2, `writev(21<${SOCK}>, [{iov_base="${ackFrame('record:R-1', 1)}", iov_len=15}], 1) = 15`),
      ]),
    ).toEqual([]);
  });

  it('fails an ack written while the fsync was still running (an unfinished call resumed after it)', () => {
    const problems = check([
      line(1.0, `write(7<${LOG}>, "${hex('..MARKERA..')}", 11) = 11`),
      `${pid + 1} 1.100000 fdatasync(7<${LOG}> <unfinished ...>`,
      line(1.2, `writev(21<${SOCK}>, [{iov_base="${ackFrame('record:R-1', 1)}", iov_len=15}], 1) = 15`),
      `${pid + 1} 1.300000 <... fdatasync resumed>) = 0 <0.200000>`,
    ]);
    expect(problems).toEqual([`ack record:R-1#1: no fsync of ${LOG} completed between the write of change 1 and the ack`]);
  });

  it('fails an ack with no fsync at all, or before the change was written', () => {
    expect(
      check([line(1.0, `write(7<${LOG}>, "${hex('..MARKERA..')}", 11) = 11`), line(1.2, `write(21<${SOCK}>, "${ackFrame('record:R-1', 1)}", 15) = 15`)]),
    ).toHaveLength(1);
    expect(
      check([line(0.5, `write(21<${SOCK}>, "${ackFrame('record:R-1', 1)}", 15) = 15`), line(1.0, `write(7<${LOG}>, "${hex('..MARKERA..')}", 11) = 11`)]),
    ).toEqual(['ack record:R-1#1: sent before change 1 was even written']);
  });
});
