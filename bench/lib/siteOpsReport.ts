/**
 * The report's "Site operations" section: Tally's relay alone, each against
 * its own floor or baseline (photo uploads beside plain PUTs; ack latency
 * during a backup beside the same load without one). Targets from issues 15
 * and 17, marked ✅/❌.
 */
import { bytes, ms, type ServerResults } from './report';
import type { UploadRun } from '../workloads/photoUploads';
import type { CpuShare, LatencySpan } from '../workloads/backupUnderLoad';
import { rssFlat } from './rssFlatness';

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? ' ✅' : ' ❌');

/** The section's markdown lines; none when neither workload ran. */
export function renderSiteOperations(tally: ServerResults | undefined): string[] {
  if (!tally || (!tally.photoUploads && !tally.backupUnderLoad && !tally.errors.photos && !tally.errors.backup)) return [];
  const lines = ['', '## Site operations (Tally only)', '', '| workload | measure | target | Tally | floor / baseline | ratio |', '| --- | --- | --- | --- | --- | --- |'];
  if (tally.errors.photos) lines.push(`| photo uploads | | | error: ${tally.errors.photos.slice(0, 160)} | | |`);
  const p = tally.photoUploads;
  if (p) {
    const { devices, photosPerDevice, photoBytes } = p.options;
    const shape = `${devices} devices x ${photosPerDevice} photos of ${bytes(photoBytes)}`;
    const sentRatio = (r: UploadRun) => r.bytesSent / r.bytesStored;
    const growth = (r: UploadRun) => r.rssPeak - r.rssStart;
    const flat = rssFlat(p.tally.rssLate, p.floor.rssLate, photoBytes);
    const late = (r: UploadRun) => `${bytes(r.rssLate.perPhoto)} per photo (${bytes(r.rssLate.warmRss)} -> ${bytes(r.rssLate.lateRss)}, ${num(r.rssLate.latePhotos)} photos)`;
    const held = (r: UploadRun) =>
      r.held ? `${bytes(r.held.before.heapUsed)} -> ${bytes(r.held.after.heapUsed)}, ${bytes(r.held.before.arrayBuffers)} -> ${bytes(r.held.after.arrayBuffers)}` : 'not measured (relay without --expose-gc)';
    lines.push(
      `| photo uploads | ${shape}: first byte to all on the relay (tus, every connection cut once mid-upload) / plain PUTs, no cuts | | ${ms(p.tally.ms)}, ${num(p.tally.cuts)} cuts over ${num(p.tally.connections)} connections | ${ms(p.floor.ms)} | ${num(p.tally.ms / p.floor.ms, 2)} x |`,
      `| photo uploads | bytes sent to the relay / bytes stored (headers included; devices wrote ${bytes(p.tally.bytesOnLink)} into the link, the rest lost in the cuts) | ≤ 1.1 | ${num(sentRatio(p.tally), 3)} (${bytes(p.tally.bytesSent)} / ${bytes(p.tally.bytesStored)})${mark(sentRatio(p.tally) <= 1.1)} | ${num(sentRatio(p.floor), 3)} | |`,
      `| photo uploads | server RSS: start / peak / end (peak of each tenth of the run) | | ${bytes(p.tally.rssStart)} / ${bytes(p.tally.rssPeak)} / ${bytes(p.tally.rssEnd)} (${p.tally.rssByTenth.map((v) => num(v / 2 ** 20)).join(', ')} MB) | ${bytes(p.floor.rssStart)} / ${bytes(p.floor.rssPeak)} / ${bytes(p.floor.rssEnd)} (${p.floor.rssByTenth.map((v) => num(v / 2 ** 20)).join(', ')} MB) | +${bytes(growth(p.tally))} vs +${bytes(growth(p.floor))} |`,
      `| photo uploads | server RSS growth over the last two thirds of the run, per photo stored then (peak of the first third -> peak after it, photos) | flat: ≤ the floor's + 10% of a photo | ${late(p.tally)}${mark(flat)} | ${late(p.floor)} | |`,
      `| photo uploads | relay memory after a full GC, before -> after the run: heap used, ArrayBuffers (what it holds, garbage apart) | | ${held(p.tally)} | | |`,
      `| photo uploads | server CPU | | ${ms(p.tally.serverCpuMs)} | ${ms(p.floor.serverCpuMs)} | ${num(p.tally.serverCpuMs / p.floor.serverCpuMs, 2)} x |`,
    );
  }
  if (tally.errors.backup) lines.push(`| backup | | | error: ${tally.errors.backup.slice(0, 160)} | | |`);
  const b = tally.backupUnderLoad;
  if (b) {
    const o = b.options;
    const span = (s: LatencySpan) =>
      `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${num(s.count)} changes${s.missing ? `, ${num(s.missing)} not acked` : ''}); loop delay p99 ${ms(s.loopDelayP99)}, max ${ms(s.loopDelayMax)}; fsync p50 ${ms(s.fsyncP50)}, p99 ${ms(s.fsyncP99)}`;
    const ratio = b.during.p99 / b.without.p99;
    const cpu = (c: CpuShare | undefined) =>
      c ? `relay main ${num(c.relayMain)}, relay other threads ${num(c.relayOther)}${c.download === undefined ? '' : `, download ${num(c.download)}`}, machine ${num(c.machine)}` : 'n/a';
    lines.push(
      `| backup | ${num(o.documents)} records, ${bytes(b.storeBytesOnDisk)} on disk (${num(b.seededUpdates)} updates, seeded through LevelDocStore and compacted in ${ms(b.seedMs)}): GET /api/admin/backup to a file | | ${ms(b.backupMs)}, archive ${bytes(b.archiveBytes)} (${num(b.archiveBytes / b.storeBytesOnDisk, 2)} x the store) | | |`,
      `| backup | ack latency of a steady ${num(o.rate)} changes/s over ${num(o.loadDocs)} /mux devices: during the backup / before and after it | p99 ≤ 2 x without | ${span(b.during)} | ${span(b.without)} (before: p50 ${ms(b.before.p50)}, p99 ${ms(b.before.p99)}; after: p50 ${ms(b.after.p50)}, p99 ${ms(b.after.p99)}) | p99 ${num(ratio, 2)} x${mark(ratio <= 2)}, p50 ${num(b.during.p50 / b.without.p50, 2)} x; against the span after alone: p99 ${num(b.during.p99 / b.after.p99, 2)} x${mark(b.during.p99 <= 2 * b.after.p99)}, p50 ${num(b.during.p50 / b.after.p50, 2)} x |`,
      `| backup | worst ack latency of each second, from 3 s before the backup (s: ms); the relay's stages during it, p50 / p99 | | ${b.worstPerSecond.map((w) => `${w.atS}: ${num(w.ms)}`).join(', ')} | ${Object.entries(b.duringStages ?? {}).map(([stage, f]) => `${stage} ${ms(f!.p50)} / ${ms(f!.p99)}`).join(' · ')} | |`,
      `| backup | relay RSS (of it anonymous, without LevelDB's mapped table files), highest during / before the backup; generator lag p99; archive written ${o.archiveTo === 'file' ? 'to a file on the same disk' : 'nowhere (counted and dropped)'} | | ${bytes(b.rssDuring)} (${bytes(b.anonDuring)}) | ${bytes(b.rssBefore)} (${bytes(b.anonBefore)}) | lag ${ms(b.sendLagP99)} |`,
      `| backup | CPU ms per second of wall time (1,000 = one core), during / before the backup | | ${cpu(b.cpuDuring)} | ${cpu(b.cpuBefore)} | |`,
    );
  }
  return lines;
}
