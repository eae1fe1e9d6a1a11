/** Photo ids: the SHA-256 of the bytes, lowercase hex (what the relay checks a finished upload against). */

/** SHA-256 of `blob`'s bytes in lowercase hex (crypto.subtle: the page or worker must be a secure context). */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** True for 64 lowercase hex digits: a photo id this app made. */
export function isPhotoHash(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}
