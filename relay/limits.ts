/**
 * Limits that protect the relay from hostile or broken clients, and the
 * knobs of its document lifecycle. Every value is configuration: tests pass
 * small ones, `relay/main.ts` reads overrides from the environment.
 */
export interface RelayLimits {
  /** Largest WebSocket message accepted, in bytes; larger ones close with 4413. */
  maxMessageBytes: number;
  /** Largest stored size of one document (approximate, in bytes); writes beyond are refused. */
  maxDocBytes: number;
  /** Documents one multiplexed connection may have open at once (4429 beyond). */
  maxDocsPerConnection: number;
  /** Bytes queued to a client that is not reading before it is disconnected with 4408. */
  maxBufferedBytes: number;
  /** Stored updates of a document after which it is compacted while open. */
  compactAfterUpdates: number;
  /** Stored bytes of a document after which it is compacted while open. */
  compactAfterBytes: number;
  /** An unused document stays in memory this long before it is evicted. */
  idleEvictMs: number;
  /** Interval of WebSocket pings; a connection that misses one is terminated. */
  pingIntervalMs: number;
  /** How long a shutdown waits for pending writes (a failing disk) before giving up on them. */
  closeTimeoutMs: number;
  /** Refused writes one user may make per minute, over all their connections, before the one refused is disconnected (4403). */
  maxRefusalsPerMinute: number;
  /** Connections one user may hold open at once (both endpoints together); one more is closed with 4430. */
  maxConnectionsPerUser: number;
}

export const defaultLimits: RelayLimits = {
  maxMessageBytes: 8 * 1024 * 1024,
  maxDocBytes: 64 * 1024 * 1024,
  maxDocsPerConnection: 5_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  compactAfterUpdates: 1_000,
  compactAfterBytes: 4 * 1024 * 1024,
  idleEvictMs: 30_000,
  pingIntervalMs: 30_000,
  closeTimeoutMs: 10_000,
  maxRefusalsPerMinute: 30,
  maxConnectionsPerUser: 20,
};

/** Fills unset limits with the defaults. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  return { ...defaultLimits, ...overrides };
}
