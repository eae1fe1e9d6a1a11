/**
 * The sentence a crew reads when a document is stuck: how much is waiting,
 * for how long, and the last thing the relay said that explains it.
 */
import type { ConnectionSnapshot } from './MuxConnection';
import type { SyncError } from './SyncError';

/**
 * Describes a stuck document, e.g. "relay has not acknowledged 3 changes for
 * 30 s; last relay error: storage failed: ENOSPC".
 */
export function stuckReason(
  pending: number,
  silentMs: number,
  docError: SyncError | null,
  connection: ConnectionSnapshot,
): string {
  const reason = `relay has not acknowledged ${plural(pending, 'change')} for ${formatDuration(silentMs)}`;
  const relayError = lastRelayError(docError, connection);
  return relayError ? `${reason}; last relay error: ${relayError}` : reason;
}

/** "1 change", "3 changes". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "250 ms", "30 s", "4 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** The relay's current storage trouble if it reports one, else its last error about this document or the connection. */
function lastRelayError(docError: SyncError | null, connection: ConnectionSnapshot): string | null {
  if (connection.relayStorage && !connection.relayStorage.ok) {
    return `storage failing: ${connection.relayStorage.detail || 'no detail'}`;
  }
  const candidates = [docError, connection.lastError].filter((e): e is SyncError => e?.source === 'relay');
  candidates.sort((a, b) => b.at - a.at);
  return candidates[0]?.message ?? null;
}
