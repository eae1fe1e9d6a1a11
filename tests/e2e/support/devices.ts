/**
 * Browser devices for the app's end-to-end tests: Debian's Chromium driven by
 * Playwright's library API, one browser context per device (its own storage,
 * service worker and IndexedDB, like a separate phone), signed in through the
 * same link a crew member opens.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright';
import type { AppUser } from './appRelay';

/** Debian's Chromium; Playwright's own browser download is never used. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export const PHONE = { width: 360, height: 740 } as const;
export const TABLET = { width: 800, height: 1280 } as const;

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');

/** Options of `launchChromium`. */
export interface LaunchOptions {
  /** A Y4M file the fake camera shows (see fakeCamera.ts); without it there is no camera. */
  fakeVideo?: string;
}

function argsFor(options: LaunchOptions): string[] {
  if (!options.fakeVideo) return ARGS;
  return [...ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${options.fakeVideo}`];
}

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: argsFor(options), headless: true });
}

/**
 * A browser profile kept in `userDataDir`: closing and launching it again is a
 * browser restart (service worker, IndexedDB and localStorage survive).
 */
export function launchProfile(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: PHONE, serviceWorkers: 'allow' });
}

/** One signed-in device; see the module comment. */
export class Device {
  /** Uncaught errors in the page (a test fails if any appear). */
  readonly errors: string[] = [];

  private constructor(
    readonly name: string,
    readonly user: AppUser,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly origin: string,
  ) {
    page.on('pageerror', (err) => this.errors.push(`${name}: ${err.message}`));
  }

  /**
   * A fresh device signed in as `user` by opening `link` (default: the
   * token link `/enrol#token=...` the users CLI's token makes), with the
   * service worker installed and controlling the page (so it opens offline).
   */
  static async enrol(browser: Browser | BrowserContext, origin: string, user: AppUser, name: string, link = `${origin}/enrol#token=${user.token}`): Promise<Device> {
    const context = 'newContext' in browser ? await browser.newContext({ viewport: PHONE, serviceWorkers: 'allow' }) : browser;
    const page = context.pages()[0] ?? (await context.newPage());
    const device = new Device(name, user, context, page, origin);
    await page.goto(link);
    await page.waitForURL(`${origin}/shift`);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    return device;
  }

  /** A device whose browser was restarted: the profile in `context` is already signed in; opens `pathname`. */
  static async reopen(context: BrowserContext, origin: string, user: AppUser, name: string, pathname: string): Promise<Device> {
    const page = context.pages()[0] ?? (await context.newPage());
    const device = new Device(name, user, context, page, origin);
    await page.goto(`${origin}${pathname}`);
    return device;
  }

  /** In-app navigation (no page load), as tapping a link does. */
  async go(pathname: string): Promise<void> {
    await this.page.evaluate((p) => {
      history.pushState(null, '', p);
      dispatchEvent(new PopStateEvent('popstate'));
    }, pathname);
    await this.page.waitForURL(`${this.origin}${pathname}`);
  }

  /** Cuts this device off the network (or reconnects it). */
  setOffline(offline: boolean): Promise<void> {
    return this.context.setOffline(offline);
  }

  /** Waits until the header says the relay is (or is not) connected. */
  async waitOnline(online: boolean, timeout = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="online-indicator"][data-online="${online ? 'yes' : 'no'}"]`).waitFor({ timeout });
  }

  /** A locator by test id. */
  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  /** The received total of `item` on the open receipt. */
  async totalOf(item: string): Promise<string | null> {
    const cell = this.page.locator(`[data-testid="total-row"][data-item="${item}"] [data-testid="total-qty"]`);
    return (await cell.count()) > 0 ? cell.textContent() : null;
  }

  /** The sync states the open record's header shows. */
  async syncLabels(): Promise<string[]> {
    return this.page.locator('.record-header [data-sync]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.sync ?? ''));
  }

  /**
   * Saves what the screen shows at phone and tablet size as
   * `test-results/screenshots/<name>-phone.png` and `-tablet.png`.
   */
  snap(name: string): Promise<void> {
    return snapPage(this.page, name);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/**
 * Saves `page` at phone and tablet size, scrolled to the top (what a person
 * sees on opening the screen), as `test-results/screenshots/<name>-phone.png`
 * and `-tablet.png`, then goes back to phone size.
 */
export async function snapPage(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [size, viewport] of [['phone', PHONE], ['tablet', TABLET]] as const) {
    await page.setViewportSize(viewport);
    await page.evaluate(() => window.scrollTo(0, 0));
    // Two frames: the layout for the new size has been painted.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size}.png`) });
  }
  await page.setViewportSize(PHONE);
}
