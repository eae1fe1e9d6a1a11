/**
 * Where a device's multiplexed socket connects: the relay's `/mux` endpoint,
 * derived from whatever address site IT typed (http, https, ws or wss).
 */

/**
 * Returns the WebSocket URL of the relay's `/mux` endpoint for `relayUrl`
 * (e.g. `http://10.0.0.5:8787` → `ws://10.0.0.5:8787/mux`), with `token` as
 * the `token` query parameter when given.
 */
export function toMuxUrl(relayUrl: string, token?: string): string {
  const url = new URL(relayUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`relay URL must be http(s) or ws(s): ${relayUrl}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/mux') ? path : `${path}/mux`;
  if (token !== undefined) url.searchParams.set('token', token);
  return url.toString();
}
