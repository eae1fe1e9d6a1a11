/** The plain-http notice: shown outside a secure context only, with what to do. */
import { describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-svelte';
import PlainHttpNotice from '../../client/app/components/PlainHttpNotice.svelte';

describe('PlainHttpNotice', () => {
  it.each([
    ['device', 'This device cannot work offline here.'],
    ['link', 'Devices signed in from this page cannot work offline.'],
  ] as const)('tells the %s side what to do on plain http', async (audience, headline) => {
    const screen = await render(PlainHttpNotice, { for: audience, secure: false });
    const notice = screen.getByTestId('plain-http-notice');
    await expect.element(notice).toHaveTextContent(headline);
    await expect.element(notice).toHaveTextContent('TALLY_TLS=self-signed');
  });

  it('says nothing in a secure context (https, or localhost as in this test)', async () => {
    const screen = await render(PlainHttpNotice, { for: 'device' });
    expect(globalThis.isSecureContext).toBe(true);
    expect(screen.container.querySelector('[data-testid="plain-http-notice"]')).toBeNull();
  });
});
