/**
 * Kamailio (Debian kamailio 5.x) as the reference server: the config template
 * test/fixtures/bench/kamailio.cfg.tpl filled with a random port and temp-dir paths, run in the
 * foreground (-DD -E) with its pid file, runtime dir and ctl socket in that temp dir, so nothing
 * touches /run/kamailio or the system config, and the whole process group is stopped afterwards.
 *
 * Started as production runs it (issue 14): Debian builds Kamailio with DBG_SR_MEMORY, so its
 * default allocator (q_malloc) keeps debugging records for every allocation, which costs
 * Kamailio about 2.5× its CPU per call; `-x tlsf -X tlsf` picks the TLSF allocator for shared and
 * private memory, as production deployments do. Sizes: 512 MB shared memory (tm keeps ~40,000
 * transactions alive for their wait timer at 4,000 calls/s, usrloc the bench's 10,000 bindings)
 * and 16 MB private memory per process.
 */
import { existsSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../../helpers/fixtures.js';
import { runCommand, spawnGroup, stopGroup } from './procs.js';
import { freeUdpBlock } from './ports.js';
import { runningServer, tailFile, type BenchServer, type RunningServer, type StartOptions } from './server.js';
import { waitForSip } from './sip-probe.js';
import { copyDb, insertSubscribers, kamailioSqlMissing } from './subscribers.js';

export const KAMAILIO_TEMPLATE = join(fixturesDir, 'bench', 'kamailio.cfg.tpl');

export function kamailioBin(): string | null {
  const candidates = [process.env.KAMAILIO_BIN, '/usr/sbin/kamailio', '/usr/local/sbin/kamailio'];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** The directory holding tm.so & co. (Debian: /usr/lib/<triplet>/kamailio/modules). */
export function kamailioModulesDir(): string | null {
  const candidates = [process.env.KAMAILIO_MODULES_DIR, '/usr/lib/kamailio/modules', '/usr/local/lib/kamailio/modules'];
  try {
    for (const d of readdirSync('/usr/lib')) candidates.push(join('/usr/lib', d, 'kamailio', 'modules'));
  } catch {
    // no /usr/lib
  }
  return candidates.find((c): c is string => !!c && existsSync(join(c, 'tm.so'))) ?? null;
}

/** Why Kamailio (with the modules this config loads) cannot run here, or null. */
export function kamailioMissing(): string | null {
  if (!kamailioBin()) return 'kamailio not found (/usr/sbin/kamailio): install the Debian package kamailio';
  const mods = kamailioModulesDir();
  if (!mods) return 'Kamailio modules directory (tm.so) not found; set KAMAILIO_MODULES_DIR';
  for (const m of ['db_sqlite', 'auth_db', 'usrloc', 'registrar', 'rr', 'sanity', 'ctl']) {
    if (!existsSync(join(mods, `${m}.so`)))
      return `Kamailio module ${m}.so missing in ${mods} (kamailio-sqlite-modules?)`;
  }
  return kamailioSqlMissing();
}

export interface KamailioConfigValues {
  port: number;
  domain: string;
  dbPath: string;
  ctlSocket: string;
  children: number;
  /** Kamailio log level: -1 errors, 0 warnings, 1 notices, 2 info, 3 debug. */
  debug: number;
}

/** The template with every {{NAME}} replaced; an unreplaced placeholder is an error. */
export function renderKamailioConfig(v: KamailioConfigValues, template = readFileSync(KAMAILIO_TEMPLATE, 'utf8')) {
  const values: Record<string, string> = {
    DEBUG: String(v.debug),
    CHILDREN: String(v.children),
    LISTEN: `udp:127.0.0.1:${v.port}`,
    DOMAIN: v.domain,
    MODULES_DIR: kamailioModulesDir() ?? '/usr/lib/x86_64-linux-gnu/kamailio/modules',
    CTL_SOCKET: v.ctlSocket,
    // db_sqlite takes the path after "sqlite:///", so an absolute path gives four slashes.
    DB_URL: `sqlite:///${v.dbPath}`,
  };
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => {
    if (!(k in values)) throw new Error(`kamailio template: unknown placeholder ${m}`);
    return values[k]!;
  });
  return out;
}

/** The allocator (shared and private memory) and sizes a bench Kamailio runs with (see the header). */
export function kamailioMemoryArgs(shmMb = 512, allocator = 'tlsf', pkgMb = 16): string[] {
  return ['-x', allocator, '-X', allocator, '-m', String(shmMb), '-M', String(pkgMb)];
}

/** The command line of a running process (NUL-separated in /proc), or [] when it is gone. */
export function processArgs(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export interface KamailioOptions {
  /** UDP worker processes (children=); the comparison uses 2. */
  children?: number;
  /** Shared memory, MB: enough for ~10 s of transactions at several thousand calls/s. */
  shmMb?: number;
  debug?: number;
  /** Changes to the rendered config (the TLS bench adds its listener and the tls module). */
  edit?: (cfg: string, dir: string) => string;
  /** Memory manager (-x and -X); default "tlsf", as production runs it (see the header). */
  allocator?: string;
  /** More command-line arguments for the check and the run (`-A WITH_RTPENGINE`: config defines). */
  extraArgs?: string[];
  /** The name in reports (default "kamailio"). */
  name?: string;
}

export class KamailioServer implements BenchServer {
  readonly name: string;
  constructor(private readonly opts: KamailioOptions = {}) {
    this.name = opts.name ?? 'kamailio';
  }

  async unavailable(): Promise<string | null> {
    return kamailioMissing();
  }

  async start(o: StartOptions): Promise<RunningServer> {
    const port = await freeUdpBlock(1);
    const dbPath = join(o.dir, 'kamailio.sqlite');
    copyDb(o.baseDb, dbPath);
    insertSubscribers(dbPath, o.domain, [o.callee]);
    const cfg = join(o.dir, 'kamailio.cfg');
    const text = renderKamailioConfig({
      port,
      domain: o.domain,
      dbPath,
      ctlSocket: join(o.dir, 'kamailio_ctl'),
      children: this.opts.children ?? 2,
      debug: this.opts.debug ?? 0,
    });
    writeFileSync(cfg, this.opts.edit ? this.opts.edit(text, o.dir) : text);
    const bin = kamailioBin()!;
    const extra = this.opts.extraArgs ?? [];
    const check = await runCommand(bin, ['-c', '-f', cfg, '-Y', o.dir, ...extra], { timeoutMs: 15000 });
    if (check.code !== 0) throw new Error(`kamailio -c rejected ${cfg}:\n${(check.stdout + check.stderr).trim()}`);
    const logFile = join(o.dir, 'kamailio.log');
    const log = openSync(logFile, 'a');
    const args = ['-DD', '-E', '-f', cfg, '-Y', o.dir, '-w', o.dir, '-P', join(o.dir, 'kamailio.pid')];
    args.push(...kamailioMemoryArgs(this.opts.shmMb, this.opts.allocator), ...extra);
    const group = spawnGroup(bin, args, { cwd: o.dir, stdio: ['ignore', log, log] });
    const server = runningServer(this.name, port, group, logFile);
    try {
      await waitForSip(port, 15000, () => server.alive());
    } catch (e) {
      await stopGroup(group, 2000);
      throw new Error(`kamailio did not start: ${(e as Error).message}\n${tailFile(logFile)}`);
    }
    return server;
  }
}
