/**
 * sipd as the server under test, driven only through its command line (the contract of issue 4):
 *
 *   node bin/sipctl.js add USER@DOMAIN --password-stdin --db-url sqlite:PATH
 *   node bin/sipd.js run --listen udp:127.0.0.1:PORT --domain DOMAIN --db-url sqlite:PATH \
 *       --data-dir DIR --run-dir DIR --config test/fixtures/bench/sipd-bench.toml
 *
 * The database is a copy of the Kamailio-created one Kamailio reads (sipd's store reads
 * Kamailio's schema); the call test's callee is added with sipctl, which checks that contract
 * too. Should sipctl refuse that file, it gets a fresh one, and the load subscribers are then
 * written into the `subscriber` table sipctl created. All sipd settings the bench depends on
 * (INVITE auth off, logging, drain time) live in sipd-bench.toml, and nowhere else.
 */
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { computeHa1, computeHa1b, digestHex } from '../../../src/core/auth/ha1.js';
import { fixturesDir, repoRoot } from '../../helpers/fixtures.js';
import { freeUdpBlock } from './ports.js';
import { runCommand, spawnGroup, stopGroup } from './procs.js';
import { runningServer, tailFile, type BenchServer, type RunningServer, type StartOptions } from './server.js';
import { waitForSip } from './sip-probe.js';
import { copyDb, subscriberRow, type Subscriber } from './subscribers.js';

export const SIPD_BIN = join(repoRoot, 'bin', 'sipd.js');
export const SIPCTL_BIN = join(repoRoot, 'bin', 'sipctl.js');
/** The one place holding sipd's bench settings (INVITE auth off: `auth.methods = []`). */
export const SIPD_BENCH_CONFIG = join(fixturesDir, 'bench', 'sipd-bench.toml');

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.replace(/^\s*›\s*/, '').trim())
      .find((l) => l && !l.startsWith('npm warn')) ?? ''
  );
}

/** Why sipd's commands cannot be used yet, or null. */
export async function sipdMissing(): Promise<string | null> {
  const probes: Array<[string, string[]]> = [
    [SIPD_BIN, ['run', '--help']],
    [SIPCTL_BIN, ['add', '--help']],
  ];
  for (const [bin, args] of probes) {
    const label = `${bin.endsWith('sipd.js') ? 'sipd' : 'sipctl'} ${args[0]}`;
    if (!existsSync(bin)) return `${bin} not found`;
    const r = await runCommand(process.execPath, [bin, ...args], { timeoutMs: 30000 });
    if (r.code !== 0) {
      return `\`${label}\` is not available (node ${bin} ${args.join(' ')} exited ${r.code}: ${firstLine(r.stderr + r.stdout)})`;
    }
  }
  return null;
}

async function sipctlAdd(dbPath: string, domain: string, s: Subscriber) {
  const args = [SIPCTL_BIN, 'add', `${s.user}@${domain}`, '--password-stdin', '--db-url', `sqlite:${dbPath}`];
  return runCommand(process.execPath, args, { input: `${s.password}\n`, timeoutMs: 30000 });
}

/** Fallback seeding: the load subscribers into the `subscriber` table sipctl created. */
function fillSubscriberTable(dbPath: string, domain: string, subs: Subscriber[]): void {
  const db = new Database(dbPath);
  try {
    const cols = new Set(
      (db.prepare('PRAGMA table_info(subscriber)').all() as Array<{ name: string }>).map((c) => c.name),
    );
    const names = ['username', 'domain', 'ha1', 'ha1b', ...(cols.has('ha1_sha256') ? ['ha1_sha256'] : [])];
    const ins = db.prepare(`INSERT INTO subscriber (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    db.transaction(() => {
      for (const s of subs) {
        const row = [
          s.user,
          domain,
          computeHa1(s.user, domain, s.password),
          computeHa1b(s.user, domain, domain, s.password),
        ];
        if (cols.has('ha1_sha256')) row.push(digestHex('SHA-256', `${s.user}:${domain}:${s.password}`));
        ins.run(...row);
      }
    })();
  } finally {
    db.close();
  }
}

export class SipdServer implements BenchServer {
  readonly name: string;
  /** Notes for the report (e.g. which seeding path was taken). */
  readonly notes: string[] = [];
  private readonly bin: string;

  private readonly extraConfig: string;
  private readonly topLevel: string;
  /** `--workers N` (sipd-kamailio's --workers); 1 passes nothing, so older builds run too. */
  private readonly workers: number;

  /**
   * `bin`: another build's bin/sipd.js (the register bench's "before"); sipctl is always this one.
   * `config`: TOML sections added to sipd-bench.toml for this server (the rtpengine bench's
   * [rtpengine]).
   */
  constructor(
    opts: {
      name?: string;
      bin?: string;
      config?: string;
      listen?: readonly string[];
      workers?: number;
      /** Top-level TOML keys put before sipd-bench.toml's sections (`worker_steering = "call-id"`). */
      topLevel?: string;
    } = {},
  ) {
    this.name = opts.name ?? 'sipd';
    this.workers = opts.workers ?? 1;
    this.bin = opts.bin ?? SIPD_BIN;
    this.extraConfig = opts.config ?? '';
    this.topLevel = opts.topLevel ?? '';
    this.extraListen = opts.listen ?? [];
  }

  /** Listen addresses besides the UDP one (the TLS bench's `tls:127.0.0.1:PORT`). */
  private readonly extraListen: readonly string[];

  async unavailable(): Promise<string | null> {
    if (this.bin !== SIPD_BIN && !existsSync(this.bin)) return `${this.bin} not found`;
    return sipdMissing();
  }

  async start(o: StartOptions): Promise<RunningServer> {
    const dataDir = join(o.dir, 'sipd-data');
    const runDir = join(o.dir, 'sipd-run');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const dbPath = join(o.dir, 'sipd.sqlite');
    copyDb(o.baseDb, dbPath);
    let added = await sipctlAdd(dbPath, o.domain, o.callee);
    if (added.code !== 0) {
      const why = firstLine(added.stderr + added.stdout);
      rmSync(dbPath, { force: true });
      added = await sipctlAdd(dbPath, o.domain, o.callee);
      if (added.code !== 0) {
        throw new Error(
          `sipctl add ${o.callee.user}@${o.domain} failed (exit ${added.code}): ${firstLine(added.stderr)}`,
        );
      }
      fillSubscriberTable(dbPath, o.domain, o.loadSubscribers);
      this.note(`sipctl refused the Kamailio-created database (${why}); seeded a sipctl-created one instead`);
    }
    const row = subscriberRow(dbPath, o.callee.user, o.domain);
    if (row && row.ha1 !== computeHa1(o.callee.user, o.domain, o.callee.password)) {
      this.note('sipctl stored an ha1 that is not MD5(user:domain:password); the REGISTER load may fail');
    }

    const port = await freeUdpBlock(1);
    const logFile = join(o.dir, 'sipd.log');
    const log = openSync(logFile, 'a');
    // SIPKIT_BENCH_SIPD_NODE_FLAGS: extra node flags for sipd, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    // to profile it under the bench's load (NODE_OPTIONS does not allow --cpu-prof).
    const nodeFlags = (process.env.SIPKIT_BENCH_SIPD_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const args = [...nodeFlags, this.bin, 'run', '--listen', `udp:127.0.0.1:${port}`, '--domain', o.domain];
    args.push('--db-url', `sqlite:${dbPath}`, '--data-dir', dataDir, '--run-dir', runDir);
    args.push('--config', this.configFile(o.dir));
    for (const l of this.extraListen) args.push('--listen', l);
    if (this.workers > 1) args.push('--workers', String(this.workers));
    const group = spawnGroup(process.execPath, args, { cwd: o.dir, stdio: ['ignore', log, log] });
    const server = runningServer(this.name, port, group, logFile);
    try {
      await waitForSip(port, 30000, () => server.alive());
    } catch (e) {
      await stopGroup(group, 2000);
      throw new Error(`sipd did not start: ${(e as Error).message}\n${tailFile(logFile)}`);
    }
    return server;
  }

  private configFile(dir: string): string {
    if (!this.extraConfig && !this.topLevel) return SIPD_BENCH_CONFIG;
    const file = join(dir, 'sipd-bench.toml');
    writeFileSync(file, `${this.topLevel}\n${readFileSync(SIPD_BENCH_CONFIG, 'utf8')}\n${this.extraConfig}\n`);
    return file;
  }

  private note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }
}
