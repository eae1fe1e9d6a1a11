/**
 * The report's "Site operations" section: Tally's relay alone, each against
 * its own floor or baseline (photo uploads beside plain PUTs; ack latency
 * during a backup beside the same load without one). Targets from issues 15
 * and 17, marked ✅/❌.
 */
import { bytes, ms, type ServerResults } from './report';
import type { UploadRun } from '../workloads/photoUploads';
import type { CpuShare, LatencySpan } from '../workloads/backupUnderLoad';

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mark = (ok: boolean) => (ok ? ' ✅' : ' ❌');

/**
 * Flat: the highest RSS of the run's second half exceeds the first half's by
 * less than this share of the starting RSS. Under load RSS is a sawtooth that
 * climbs until the garbage collector runs (bench/README.md, throughput), so
 * start-to-peak says little; a server holding photos whole would keep climbing.
 */
export const FLAT_RSS_SHARE = 0.1;

/** Whether a run's RSS stayed flat (see FLAT_RSS_SHARE). */
export function rssFlat(r: UploadRun): boolean {
  const half = Math.ceil(r.rssByTenth.length / 2);
  return Math.max(...r.rssByTenth.slice(half)) - Math.max(...r.rssByTenth.slice(0, half)) <= FLAT_RSS_SHARE * r.rssStart;
}

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
    const flat = rssFlat(p.tally);
    lines.push(
      `| photo uploads | ${shape}: first byte to all on the relay (tus, every connection cut once mid-upload) / plain PUTs, no cuts | | ${ms(p.tally.ms)}, ${num(p.tally.cuts)} cuts over ${num(p.tally.connections)} connections | ${ms(p.floor.ms)} | ${num(p.tally.ms / p.floor.ms, 2)} x |`,
      `| photo uploads | bytes sent to the relay / bytes stored (headers included; devices wrote ${bytes(p.tally.bytesOnLink)} into the link, the rest lost in the cuts) | ≤ 1.1 | ${num(sentRatio(p.tally), 3)} (${bytes(p.tally.bytesSent)} / ${bytes(p.tally.bytesStored)})${mark(sentRatio(p.tally) <= 1.1)} | ${num(sentRatio(p.floor), 3)} | |`,
      `| photo uploads | server RSS: start / peak / end (peak of each tenth of the run) | flat: 2nd half's peak ≤ 1st half's + 10% of start | ${bytes(p.tally.rssStart)} / ${bytes(p.tally.rssPeak)} / ${bytes(p.tally.rssEnd)} (${p.tally.rssByTenth.map((v) => num(v / 2 ** 20)).join(', ')} MB)${mark(flat)} | ${bytes(p.floor.rssStart)} / ${bytes(p.floor.rssPeak)} / ${bytes(p.floor.rssEnd)} | +${bytes(growth(p.tally))} vs +${bytes(growth(p.floor))} |`,
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
