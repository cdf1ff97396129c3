/**
 * The run-time paths of a sipd (run dir, pid file, socket, log) from the same sources as
 * loadConfig (load.ts) but without validating the file: `sipd stop` and `sipd status` must find a
 * running sipd even when its config file has become invalid since it started (invalid values fall
 * back to the defaults), and they start faster without the config schema (zod) loaded. For a
 * valid file the paths are loadConfig's: relative run_dir from the file's folder, --run-dir from
 * the cwd, mgmt.socket and logging.file relative to the run dir.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { defaultPaths, logFileIn, pidFileIn, socketIn, type Paths, type RuntimePaths } from '../../shared/paths.js';

export interface LocateOptions {
  configFile?: string;
  runDir?: string;
  /** Default paths (root vs user); tests pass their own. */
  paths?: Paths;
  /** Base for relative flag values (default process.cwd()). */
  cwd?: string;
}

export function locateRuntime(opts: LocateOptions = {}): RuntimePaths {
  const paths = opts.paths ?? defaultPaths();
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.configFile !== undefined ? resolve(cwd, opts.configFile) : paths.configFile;
  let raw: Record<string, unknown> = {};
  try {
    raw = { ...parseToml(readFileSync(file, 'utf8')) } as Record<string, unknown>;
  } catch {
    // Unreadable or not TOML: defaults and flags only.
  }
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const section = (k: string) => (raw[k] && typeof raw[k] === 'object' ? (raw[k] as Record<string, unknown>) : {});
  const runDir =
    opts.runDir !== undefined
      ? resolve(cwd, opts.runDir)
      : str(raw.run_dir)
        ? resolve(dirname(file), str(raw.run_dir) as string)
        : paths.runDir;
  const sock = str(section('mgmt').socket);
  const log = str(section('logging').file);
  return {
    runDir,
    pidFile: pidFileIn(runDir),
    socket: sock ? resolve(runDir, sock) : socketIn(runDir),
    logFile: log ? resolve(runDir, log) : logFileIn(runDir),
    configFile: existsSync(file) ? file : null,
  };
}
