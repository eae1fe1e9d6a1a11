/**
 * Reconnect delays: exponential growth capped at a maximum, with jitter so a
 * whole shift of devices that lost the relay at the same moment does not come
 * back in lockstep and hit it all at once.
 */

/** How long a device waits between reconnect attempts. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. */
  minMs: number;
  /** Ceiling of every later delay, in ms; the growth stops here. */
  maxMs: number;
}

/** Defaults suited to a LAN relay: retry within half a second, never wait more than 30 s. */
export const defaultBackoff: BackoffOptions = { minMs: 500, maxMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry). The
 * ceiling doubles per attempt from `minMs` up to `maxMs`; the delay is drawn
 * uniformly from the upper half of the ceiling ("equal jitter"), so devices
 * spread out but none retries faster than half the ceiling.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const minMs = Math.max(1, options.minMs);
  const maxMs = Math.max(minMs, options.maxMs);
  // 2 ** attempt overflows to Infinity long before it matters; Math.min keeps it finite.
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
