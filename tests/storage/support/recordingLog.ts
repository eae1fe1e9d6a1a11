import type { StorageLog } from '../../../relay/storage/StorageLog';

/** One line a `RecordingLog` kept. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

/** A storage logger that keeps its lines, for asserting what was logged. */
export class RecordingLog implements StorageLog {
  readonly lines: LogLine[] = [];
  info = (obj: object, msg?: string): void => void this.lines.push({ level: 'info', obj, msg });
  warn = (obj: object, msg?: string): void => void this.lines.push({ level: 'warn', obj, msg });
  error = (obj: object, msg?: string): void => void this.lines.push({ level: 'error', obj, msg });

  count(level: LogLine['level']): number {
    return this.lines.filter((line) => line.level === level).length;
  }
}
