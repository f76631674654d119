// The server's structured log: JSON lines from pino (only this module imports pino).
// Secrets never reach it: callers log fields they chose, never headers or request bodies.

import pino from 'pino';
import type { LogLevel } from '../config/settings.js';

/** The logging calls the server makes; `fields` become JSON properties of the line. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  /** An `err` field is written with its type, message and stack (server-side only). */
  error(fields: object, message: string): void;
  isLevelEnabled(level: LogLevel): boolean;
  /** Writes out buffered lines now (before the process exits). */
  flush(): void;
}

/** Where lines go: anything with `write(line)`; the default is stdout, written asynchronously. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly destination?: LogDestination;
}

/** A JSON logger: one line per call, `time` in ISO 8601, `level` as its name. */
export function createLogger(options: LoggerOptions): Logger {
  // Asynchronous, batched stdout: lines are written 4 KiB at a time, or every 250 ms, so the
  // access log costs a fraction of a syscall per request. Error lines are flushed at once.
  const stdout =
    options.destination === undefined
      ? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 })
      : undefined;
  const logger = pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? stdout,
  );
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error(fields, message) {
      logger.error(fields, message);
      stdout?.flush();
    },
    isLevelEnabled: (level) => level !== 'silent' && logger.isLevelEnabled(level),
    flush() {
      try {
        stdout?.flushSync();
      } catch {
        // Not open yet or already closed: nothing buffered to write.
      }
    },
  };
}
