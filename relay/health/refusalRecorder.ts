/**
 * How a connection tells the health page's recent refusals about a refused
 * change: user and device from its authenticated principal, never from what
 * the client sent.
 */
import type { ConnectionOptions } from '../net/ConnectionOptions';

/** The `onRefused` hook of a connection's PeerSession; undefined when the relay keeps no refusals. */
export function refusalRecorder(options: Pick<ConnectionOptions<unknown>, 'principal' | 'refusalLog'>): ((doc: string, code: number, reason: string) => void) | undefined {
  const { refusalLog, principal } = options;
  if (!refusalLog) return undefined;
  return (doc, code, reason) => refusalLog.record({ user: principal.user, device: principal.device, doc, code, reason });
}
