/**
 * `npx tsx bench/app/coldStarts.ts [records] [runs]`: a dev aid, not the
 * benchmark. One shift start, then repeated offline cold starts of the same
 * device, printing each start's resource timings and the app's tally:* marks,
 * to see where a cold start goes while changing it. GAP=<ms> waits between
 * closing the page and opening the next; THROTTLE=<rate> (default 4).
 */
import { chromium } from 'playwright';
import { ensureAppBuilt } from '../../build/appBuild';
import { AppRelay, type AppUser } from '../../tests/e2e/support/appRelay';
import { Device, PHONE } from '../../tests/e2e/support/devices';
import { addUser } from '../../tests/support/relayProcess';
import { seedReceipts } from './seed';

const records = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
ensureAppBuilt();
const relay = await AppRelay.create();
const seeder = await addUser(relay.dataDir, 'Bench Seeder', 'supervisor');
const crew = await addUser(relay.dataDir, 'Bench Crew', 'crew');
const user: AppUser = { name: 'Bench Crew', role: 'crew', token: crew.token };
await relay.start();
const seed = await seedReceipts({ url: relay.url, token: seeder.token, userId: seeder.id, device: 'bench-seeder', site: 'main', records, bigLines: 500 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'], headless: true });
try {
  const context = await browser.newContext({ viewport: PHONE, serviceWorkers: 'allow' });
  context.setDefaultTimeout(300_000);
  const device = await Device.enrol(context, relay.url, user, 'cold');
  let page = device.page;
  await page.getByTestId('start-shift').click();
  await page.getByTestId('shift-ready').waitFor();
  await context.setOffline(true);
  for (let i = 0; i < runs; i++) {
    await page.close();
    if (process.env.GAP) await new Promise((r) => setTimeout(r, Number(process.env.GAP)));
    page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: Number(process.env.THROTTLE ?? 4) });
    const t0 = Date.now();
    await page.goto(`${relay.url}/`);
    await page.waitForFunction(`Number(document.querySelector('[data-testid="records"]')?.getAttribute('data-count')) >= ${seed.ids.length}`, undefined, { timeout: 120_000, polling: 20 });
    const listed = Date.now() - t0;
    await page.waitForTimeout(2500);
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name.replace('tally:', '')} ${m.startTime.toFixed(0)}`).join(', '));
    const res = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/')).map((r) => `${r.name.split('/').pop()?.slice(0, 12)} ${(r as PerformanceResourceTiming).startTime.toFixed(0)}-${(r as PerformanceResourceTiming).responseEnd.toFixed(0)}`).join(', '));
    console.log(`cold ${i + 1}: all listed ${listed} ms | ${res} | ${marks}`);
  }
} finally {
  await browser.close();
  await relay.destroy();
}
