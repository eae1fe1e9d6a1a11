/**
 * A new site from nothing: the relay's first start writes a one-time admin
 * sign-in link to a private file (its output is not a terminal here); the
 * admin opens it (and the file goes), adds a crew member on the users screen
 * and hands their device the sign-in link; the link works once; revoking the
 * crew member makes their device say the relay refuses its sign-in.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { AppRelay } from './support/appRelay';
import { Device, launchChromium, PHONE, snapPage } from './support/devices';
import { FIRST_ADMIN_LINK_FILE } from '../../relay/auth/firstAdminLink';

describe('first start: admin link, users screen, sign-in links', () => {
  let relay: AppRelay;
  let browser: Browser;

  beforeAll(async () => {
    relay = await AppRelay.create();
    await relay.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.destroy();
  });

  it('signs the admin in with the link from the private file, then a crew device with a link from the users screen', async () => {
    // Run as a service (output not a terminal), the relay puts the link in a file only it can read.
    const linkFile = path.join(relay.dataDir, FIRST_ADMIN_LINK_FILE);
    expect((await stat(linkFile)).mode & 0o777).toBe(0o600);
    const adminLink = /(http:\/\/127\.0\.0\.1:\d+\/enrol#code=\S+)/.exec(await readFile(linkFile, 'utf8'))?.[1] ?? '';
    expect(adminLink).not.toBe('');
    expect(relay.output()).toContain(linkFile);
    expect(relay.output()).not.toContain(adminLink.slice(adminLink.indexOf('#code=')));

    const adminContext = await browser.newContext({ viewport: PHONE });
    const adminPage = await adminContext.newPage();
    await adminPage.goto(adminLink);
    await adminPage.waitForURL(`${relay.url}/shift`);
    await expect.poll(() => existsSync(linkFile)).toBe(false);
    await adminPage.goto(`${relay.url}/users`);
    await adminPage.getByLabel('Name').fill('Casey Crew');
    await adminPage.getByLabel('Role').selectOption('crew');
    await adminPage.getByTestId('add-user').click();
    const link = await adminPage.getByTestId('sign-in-url').inputValue();
    expect(link).toMatch(new RegExp(`^${relay.url}/enrol#code=`));
    await adminPage.getByRole('img', { name: /QR code of the sign-in link for Casey Crew/ }).waitFor();
    await snapPage(adminPage, 'users');

    const crew = await Device.enrol(browser, relay.url, { name: 'Casey Crew', role: 'crew', token: '(from the link)' }, 'casey', link);
    await crew.go('/more');
    expect(await crew.page.getByText('Signed in as').textContent()).toContain('Casey Crew');
    await crew.waitOnline(true);

    // The link worked once.
    const again = await browser.newContext({ viewport: PHONE });
    const againPage = await again.newPage();
    await againPage.goto(link);
    await expect.poll(() => againPage.getByTestId('enrol-error').textContent()).toContain('already used');
    await again.close();

    // Revoked: the relay drops the device and the app says why.
    await adminPage.goto(`${relay.url}/users`);
    const row = adminPage.getByTestId('user-row').filter({ hasText: 'Casey Crew' });
    await row.getByRole('button', { name: 'Revoke…' }).click();
    await row.getByRole('button', { name: 'Revoke Casey Crew now' }).click();
    await row.getByText(/revoked/).waitFor();
    await crew.page.locator('[data-testid="online-indicator"][data-refused="yes"]').waitFor({ timeout: 30_000 });
    await crew.go('/sync');
    await crew.byTestId('sign-in-refused').waitFor();
    await adminContext.close();
    await crew.close();
  });
});
