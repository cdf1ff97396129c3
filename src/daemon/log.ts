/**
 * sipd's logger: pino, writing JSON lines to a log file (`sipd start`) or to stderr (`sipd run`;
 * pretty lines on a terminal). The file can be reopened after logrotate moves it (SIGHUP).
 * Secrets never reach the log: password-like fields are censored wherever they appear at the top
 * level or one level down, and database URLs lose their password.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config/defaults.js';

export type Logger = PinoLogger;

export interface LogOptions {
  level: LogLevel;
  /** Append to this file; absent = stderr. */
  file?: string;
  /** "auto" = pretty when writing to a terminal, JSON otherwise. Files are always JSON. */
  format?: 'auto' | 'json' | 'pretty';
  /** Fields on every line (pino's `base`); default {pid}. */
  base?: Record<string, unknown>;
}

export interface LogHandle {
  readonly logger: Logger;
  /** Where lines go: the file path, or "stderr". */
  readonly target: string;
  /** Close and reopen the log file by name (after logrotate renamed it); no-op on stderr. */
  reopen(): void;
  /** Write out buffered lines now (before exit). */
  flush(): void;
}

const SECRET_KEYS = ['password', 'passwd', 'secret', 'ha1', 'ha1b', 'authorization', 'proxy_authorization'];
const URL_KEYS = ['db_url', 'dbUrl', 'url'];

/** The paths pino censors: each secret key at the top level and one level down. */
export const REDACT_PATHS = [...SECRET_KEYS, ...URL_KEYS].flatMap((k) => [k, `*.${k}`]);

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  if (URL_KEYS.includes(key) && typeof value === 'string')
    return value.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
  return '[redacted]';
}

export function createLogger(opts: LogOptions): LogHandle {
  const options = {
    level: opts.level,
    base: opts.base ?? { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor },
  };
  if (opts.file) {
    // Asynchronous, buffered writes keep logging off the hot path; flush() before exit.
    const dest = pino.destination({ dest: opts.file, append: true, mkdir: true, sync: false, mode: 0o640 });
    const logger = pino(options, dest);
    return {
      logger,
      target: opts.file,
      reopen: () => dest.reopen(),
      flush: () => {
        try {
          dest.flushSync();
        } catch {
          // Not opened yet (nothing buffered) or already closed.
        }
      },
    };
  }
  const wantPretty = opts.format === 'pretty' || (opts.format !== 'json' && process.stderr.isTTY === true);
  const dest: DestinationStream = wantPretty
    ? pretty({
        destination: 2,
        sync: true,
        colorize: process.stderr.isTTY === true && !process.env.NO_COLOR,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      })
    : pino.destination({ fd: 2, sync: true });
  return { logger: pino(options, dest), target: 'stderr', reopen: () => {}, flush: () => {} };
}

/** A logger that drops everything (library use and unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
