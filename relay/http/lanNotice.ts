/**
 * What the relay says at start about reaching it from phones. Browsers give
 * service workers (the app starting with no network), the camera and
 * `crypto.randomUUID` only to secure contexts: https, or localhost. A phone
 * that opens the relay's plain-http LAN address gets none of them, and no
 * browser says why, so the relay says it plainly when TLS is off.
 */

/** True for an address only this machine reaches (localhost, 127.x, ::1). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * The link a phone should scan as a QR code: the last address other devices
 * can reach (the LAN address), or the last one when there is none.
 */
export function phoneLink(links: readonly string[]): string | undefined {
  return links.findLast((l) => !isLoopbackUrl(l)) ?? links.at(-1);
}

/**
 * The warning to print when phones would reach the relay over plain http:
 * null when TLS is on or every address is this machine's own.
 */
export function plainHttpNotice(urls: readonly string[]): string | null {
  const lan = urls.filter((u) => u.startsWith('http://') && !isLoopbackUrl(u));
  if (lan.length === 0) return null;
  return (
    `TLS is off: phones and tablets that open ${lan.join(' or ')} get the app without offline use ` +
    `(browsers give a plain-http LAN address no service worker and no camera).\n` +
    `For offline use, start the relay with TALLY_TLS=self-signed (or a site certificate: TALLY_TLS_CERT and TALLY_TLS_KEY), ` +
    `trust the certificate on each device once, and sign devices in with the https address.\n`
  );
}
