/**
 * The logger the storage layer writes through: the relay's logger without
 * debug, so pino fits as it is. Every method takes a context object first.
 */
import type { RelayLog } from '../log';

export type StorageLog = Pick<RelayLog, 'info' | 'warn' | 'error'>;

/** Drops every line (the default when no logger is given). */
export const silentStorageLog: StorageLog = {
  info() {},
  warn() {},
  error() {},
};

/** One line of text for an error, with its code when it has one (e.g. `LEVEL_IO_ERROR: IO error: ... No space left on device`). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (${err.cause.message})` : '';
  return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}${cause}`;
}
