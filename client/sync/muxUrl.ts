/**
 * Where a device's multiplexed socket connects: the relay's `/mux` endpoint,
 * derived from whatever address site IT typed (http, https, ws or wss).
 */

/** Who is connecting, sent as query parameters (browsers cannot set headers on a WebSocket). */
export interface MuxIdentity {
  /** The user's token (`?token=`). */
  token?: string;
  /** This device's id (`?device=`), recorded by the relay with every change. */
  device?: string;
}

/**
 * Returns the WebSocket URL of the relay's `/mux` endpoint for `relayUrl`
 * (e.g. `http://10.0.0.5:8787` → `ws://10.0.0.5:8787/mux`), with the identity
 * as query parameters when given.
 */
export function toMuxUrl(relayUrl: string, identity: MuxIdentity = {}): string {
  const url = new URL(relayUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`relay URL must be http(s) or ws(s): ${relayUrl}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/mux') ? path : `${path}/mux`;
  if (identity.token !== undefined) url.searchParams.set('token', identity.token);
  if (identity.device !== undefined) url.searchParams.set('device', identity.device);
  return url.toString();
}
