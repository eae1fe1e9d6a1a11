/**
 * The logger the relay writes through: a pino logger in production, any
 * object with these four methods in tests.
 */
export interface RelayLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default for library use and tests). */
export const silentLog: RelayLog = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
