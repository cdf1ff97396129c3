/**
 * Loading sipd's configuration: defaults ← TOML file ← command-line flags, validated in one pass
 * (every problem listed with its key), derived values filled in, paths made absolute, then
 * deep-frozen. `sipd check-config`, `sipd run` and `sipd start` all go through loadConfig().
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CliError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import {
  dbFileIn,
  defaultPaths,
  logFileIn,
  pidFileIn,
  socketIn,
  type Paths,
  type RuntimePaths,
} from '../../shared/paths.js';
import { defaultFileConfig, type FileConfig } from './defaults.js';
import { defaultListen, needsCertificates, parseListen, type ListenSpec } from './listen.js';
import { readTlsCredentials, resolveTlsPaths, TlsConfigError } from './tls-files.js';
import { configSchema, crossKeyProblems, type ConfigProblem, type ValidFileConfig } from './schema.js';
import { editDistance } from '../../shared/edit-distance.js';

/** The command-line flags that override the file (same names as the flags, camelCased). */
export interface ConfigOverrides {
  /** --config FILE. When absent, the default path is used if that file exists. */
  configFile?: string;
  listen?: string[];
  domains?: string[];
  dbUrl?: string;
  dataDir?: string;
  runDir?: string;
  /** --workers N */
  workers?: number;
}

export interface LoadConfigOptions extends ConfigOverrides {
  /** Default paths (root vs user); tests pass their own. */
  paths?: Paths;
  /** Base for relative flag values (default process.cwd()). */
  cwd?: string;
  /** Read and check the [tls] files (default true; false for `sipctl tls`, which lists broken ones too). */
  checkTls?: boolean;
}

type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, resolved, frozen configuration every part of sipd reads. */
export type SipdConfig = DeepReadonly<
  Omit<ValidFileConfig, 'listen' | 'mgmt'> & {
    /** Absolute path of the config file read, or null for zero-config. */
    config_file: string | null;
    listen: ListenSpec[];
    mgmt: { socket: string; mode: number; group: string };
    pid_file: string;
  }
>;

/** An invalid configuration: exit 2 (USAGE), every problem with its key. */
export class ConfigError extends CliError {
  constructor(
    readonly problems: ConfigProblem[],
    readonly file: string | null,
  ) {
    const where = file ? ` in ${file}` : '';
    const head =
      problems.length === 1
        ? `invalid configuration${where}:`
        : `invalid configuration${where} (${problems.length} problems):`;
    super([head, ...problems.map((p) => `  ${p.key}: ${p.message}`)].join('\n'), ExitCode.USAGE, 'USAGE', [
      'fix the keys listed above, then check with: sipd check-config' + (file ? ` --config ${file}` : ''),
    ]);
  }
}

const FLAG_OF: Record<string, string> = {
  listen: '--listen',
  domains: '--domain',
  db_url: '--db-url',
  data_dir: '--data-dir',
  run_dir: '--run-dir',
  workers: '--workers',
};

export function loadConfig(opts: LoadConfigOptions = {}): SipdConfig {
  const paths = opts.paths ?? defaultPaths();
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configFile !== undefined;
  const file = explicit ? resolve(cwd, opts.configFile as string) : paths.configFile;

  let fromFile: Record<string, unknown> = {};
  let usedFile: string | null = null;
  if (explicit || existsSync(file)) {
    fromFile = readConfigFile(file);
    usedFile = file;
  }
  const fileDir = usedFile ? dirname(usedFile) : cwd;

  // Relative paths in the file are relative to the file; on the command line, to the cwd.
  for (const k of ['data_dir', 'run_dir', 'route'] as const) {
    const v = fromFile[k];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) fromFile[k] = resolve(fileDir, v);
  }
  const flags: Record<string, unknown> = {};
  if (opts.listen?.length) flags.listen = opts.listen;
  if (opts.domains?.length) flags.domains = opts.domains;
  if (opts.dbUrl !== undefined) flags.db_url = opts.dbUrl;
  if (opts.dataDir !== undefined) flags.data_dir = resolve(cwd, opts.dataDir);
  if (opts.runDir !== undefined) flags.run_dir = resolve(cwd, opts.runDir);
  if (opts.workers !== undefined) flags.workers = opts.workers;

  const merged = deepMerge(deepMerge(defaultFileConfig(paths), fromFile), flags) as FileConfig;
  const problems = validate(merged, new Set(Object.keys(flags)));
  if (problems.length) throw new ConfigError(problems, usedFile);
  const config = resolveConfig(configSchema.parse(merged), usedFile, fileDir);
  if (opts.checkTls !== false) checkTlsFiles(config, usedFile);
  // sun_path holds 108 bytes with the terminating NUL (Linux); a longer path cannot be bound.
  if (Buffer.byteLength(config.mgmt.socket) > MAX_SOCKET_PATH) {
    const key = merged.mgmt.socket ? 'mgmt.socket' : flags.run_dir ? '--run-dir' : 'run_dir';
    const msg = `socket path ${config.mgmt.socket} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter run dir or mgmt.socket`;
    throw new ConfigError([{ key, message: msg }], usedFile);
  }
  return deepFreeze(config);
}

/** Longest Unix socket path Linux accepts. */
export const MAX_SOCKET_PATH = 107;

/** Reads and parses a TOML file; a syntax error is a one-problem ConfigError with line and column. */
function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EACCES'
          ? 'permission denied'
          : err.code === 'EISDIR'
            ? 'is a directory'
            : err.message;
    throw new ConfigError([{ key: '--config', message: `cannot read ${file}: ${why}` }], null);
  }
  try {
    return { ...parseToml(text) } as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { line?: number; column?: number };
    const first = err.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    const at = err.line ? `line ${err.line}, column ${err.column}` : 'TOML syntax';
    throw new ConfigError([{ key: at, message: `TOML syntax error: ${first}` }], file);
  }
}

function validate(merged: FileConfig, fromFlags: Set<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const r = configSchema.safeParse(merged);
  if (!r.success) {
    for (const issue of r.error.issues) {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          const hint = suggest(k, knownKeysAt(path));
          problems.push({
            key: keyOf([...path, k]),
            message: `unknown key${hint ? ` (did you mean '${hint}'?)` : ''}`,
          });
        }
        continue;
      }
      const got = valueAt(merged, path);
      let message = issue.message;
      if (issue.code === 'invalid_type') {
        const expected = ARTICLE[issue.expected] ?? issue.expected;
        message = got === undefined ? `missing (expected ${expected})` : `expected ${expected}`;
      }
      // Quote the value unless the message already does.
      if (got !== undefined && (typeof got === 'object' || !message.includes(String(got)))) {
        message += `, got ${JSON.stringify(got)}`;
      }
      problems.push({ key: keyOf(path), message });
    }
  }
  problems.push(...crossKeyProblems(merged));
  // Name the flag rather than the key when the value came from the command line.
  for (const p of problems) {
    const top = /^[a-z_]+/.exec(p.key)?.[0];
    if (top && fromFlags.has(top)) p.key = FLAG_OF[top] + p.key.slice(top.length);
  }
  return problems.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list [...]',
  object: 'a table',
};

/**
 * With a tls: or wss: listener or a certificate configured, the certificate files must be readable and
 * each key must match its certificate (reported as config problems, exit 2, before anything binds).
 */
function checkTlsFiles(config: ReturnType<typeof resolveConfig>, usedFile: string | null): void {
  if (!config.listen.some(needsCertificates) && config.tls.certificate === '') return;
  try {
    readTlsCredentials(config.tls);
  } catch (e) {
    if (e instanceof TlsConfigError) throw new ConfigError(e.problems, usedFile);
    throw e;
  }
}

function resolveConfig(c: ValidFileConfig, file: string | null, fileDir: string) {
  const runDir = c.run_dir;
  const inRun = (p: string, dflt: string) => (p === '' ? dflt : resolve(runDir, p));
  let dbUrl = c.db_url === '' ? `sqlite:${dbFileIn(c.data_dir)}` : c.db_url;
  if (dbUrl.startsWith('sqlite:')) dbUrl = `sqlite:${resolve(c.data_dir, dbUrl.slice(7).replace(/^\/\/(?=\/)/, ''))}`;
  const mode = typeof c.mgmt.mode === 'string' ? parseInt(c.mgmt.mode, 8) : c.mgmt.mode;
  const listen = c.listen.length ? c.listen.map(parseListen) : defaultListen();
  return {
    ...c,
    config_file: file,
    listen,
    tls: resolveTlsPaths(c.tls, fileDir),
    domains: c.domains.length
      ? [...new Set(c.domains.map((d) => d.replace(/^\[(.*)\]$/, '$1')))]
      : defaultDomains(listen.flatMap((l) => (l.advertise ? [l.advertise.host.replace(/^\[(.*)\]$/, '$1')] : []))),
    db_url: dbUrl,
    logging: { ...c.logging, file: inRun(c.logging.file, logFileIn(runDir)) },
    mgmt: { socket: inRun(c.mgmt.socket, socketIn(runDir)), mode, group: c.mgmt.group },
    pid_file: pidFileIn(runDir),
  };
}

/**
 * Zero-config domains: the host's name, `localhost`, every address of this host (link-local IPv6
 * excluded: a scoped address is no SIP domain) and the advertised listen addresses. Requests for
 * these are ours.
 */
export function defaultDomains(advertised: string[] = []): string[] {
  const out = new Set<string>([hostname(), 'localhost', ...advertised]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!(a.family === 'IPv6' && a.scopeid)) out.add(a.address);
  }
  return [...out];
}

/** A config file's db_url or a --db-url with any password replaced, for logs and status output. */
export function redactDbUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

function keyOf(path: readonly (string | number | symbol)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s || '(top level)';
}

function valueAt(obj: unknown, path: readonly (string | number | symbol)[]): unknown {
  let v: unknown = obj;
  for (const p of path)
    v = v && typeof v === 'object' ? (v as Record<string | number | symbol, unknown>)[p] : undefined;
  return v;
}

function knownKeysAt(path: readonly (string | number | symbol)[]): string[] {
  const v = valueAt(
    defaultFileConfig(),
    path.filter((p) => typeof p !== 'number'),
  );
  if (Array.isArray(v) || v === undefined)
    return path[0] === 'acl'
      ? ['prefix', 'group']
      : path[0] === 'tls' && path[1] === 'domain'
        ? ['server_name', 'certificate', 'private_key']
        : [];
  return v && typeof v === 'object' ? Object.keys(v) : [];
}

/** The closest known key within edit distance 2, for "did you mean". */
function suggest(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** Objects merge key by key; arrays and scalars replace. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function runtimePathsOf(c: SipdConfig): RuntimePaths {
  return {
    runDir: c.run_dir,
    pidFile: c.pid_file,
    socket: c.mgmt.socket,
    logFile: c.logging.file,
    configFile: c.config_file,
  };
}

// The run-time paths for stop and status, without validating (and without loading zod).
export { locateRuntime } from './locate.js';
