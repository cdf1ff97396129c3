/**
 * REGISTER/s over TLS against UDP, sipd against Kamailio (its `tls` module), in one run. Each
 * server listens on UDP and TLS at once; every round measures each server on each transport
 * (A/B/A/B: the order of servers and of transports is reversed every other round, so that the
 * machine's drift hits all alike), and the report prints every round, then per server and
 * transport the median and spread, the TLS/UDP ratio of each server and sipd/Kamailio per
 * transport.
 *
 * The load is the sipd-kamailio bench's REGISTER with digest (401, then the authenticated
 * REGISTER: one "call"; subscribers at random from the -inf CSV), driven by siptest (Debian's
 * sipp has no TLS): `-t u1` over UDP, `-t l1` over TLS, one persistent connection as a proxy peer
 * or an SBC holds (a handshake per REGISTER would measure the handshake instead); `--sockets=N`
 * spreads the calls over N persistent connections (`-t ln -max_socket N`). The highest clean
 * rate is searched by stepping (lib/rate-finder.ts; clean as in lib/loads.ts, judged on
 * siptest's own clock so that its start-up on a busy machine does not count).
 *
 * Kamailio runs test/fixtures/bench/kamailio.cfg.tpl with a TLS listener and the tls module added
 * (tls.cfg: the test certificate, no client verification), children=2 and tcp_children=2, with
 * the production allocator (-x tlsf); sipd runs sipd-bench.toml with a [tls] section. Certificates
 * are made by openssl for the run.
 *
 *   npm run bench -- sipd-tls [--rounds=2] [--step-seconds=2] [--transports=udp,tls,wss]
 *                    [--servers=kamailio,sipd] [--subscribers=2000] [--sockets=1] [--verbose]
 *
 * `--transports=udp,tls,wss` adds SIP over secure WebSocket (RFC 7118): sipd's wss: listener,
 * Kamailio's websocket and xhttp modules upgrading on one more TLS listener, siptest `-t w1 -wss`
 * (`-t wn` with --sockets). siptest verifies each server's certificate with the test CA.
 *
 * A transport is a row of TRANSPORTS (its listen address on each server and siptest's flags).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../helpers/fixtures.js';
import { makePki, type CertFiles } from '../helpers/tls-certs.js';
import { loadAverage, median, spreadPct } from './lib/ab.js';
import { KamailioServer, kamailioModulesDir } from './lib/kamailio.js';
import { registerStep, type LoadClient, type LoadContext, type StepResult } from './lib/loads.js';
import { findMaxCleanRate } from './lib/rate-finder.js';
import type { BenchServer, RunningServer } from './lib/server.js';
import { SipdServer } from './lib/sipd.js';
import {
  benchSubscribers,
  createKamailioDb,
  insertSubscribers,
  writeInfCsv,
  type Subscriber,
} from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const SIPTEST = [process.execPath, join(repoRoot, 'bin', 'siptest.js')];
const out = (s: string) => process.stdout.write(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** siptest's TLS files: its own certificate and key, and the test CA (-tls_ca: the server is verified). */
interface ClientTls extends CertFiles {
  ca: string;
}

/** siptest's -tls_* options. */
const tlsArgs = (c: ClientTls) => ['-tls_cert', c.cert, '-tls_key', c.key, '-tls_ca', c.ca];

/** What a transport needs: each server's listen address for it, and siptest's options. */
interface TransportRow {
  /** sipd's --listen for `port`; Kamailio's listen= value. */
  sipdListen(port: number): string;
  kamailioListen(port: number): string;
  /** siptest's transport options (its client certificate, and the CA that verifies the server's). */
  siptestArgs(o: Options, tls: ClientTls): string[];
  /** Whether the server gets a separate TCP port for it (UDP uses the server's own port). */
  stream: boolean;
  /** Kamailio's WebSocket modules are needed (xhttp, websocket: the upgrade on a TLS listener). */
  kamailioWebSocket?: boolean;
}

/** siptest's connection options: one persistent connection, or `--sockets` of them. */
const connections = (o: Options, one: string, many: string) =>
  o.sockets > 1 ? ['-t', many, '-max_socket', String(o.sockets)] : ['-t', one];

const TRANSPORTS: Record<string, TransportRow> = {
  udp: {
    sipdListen: (p) => `udp:127.0.0.1:${p}`,
    kamailioListen: (p) => `udp:127.0.0.1:${p}`,
    siptestArgs: () => ['-t', 'u1'],
    stream: false,
  },
  tls: {
    sipdListen: (p) => `tls:127.0.0.1:${p}`,
    kamailioListen: (p) => `tls:127.0.0.1:${p}`,
    siptestArgs: (o, c) => [...connections(o, 'l1', 'ln'), ...tlsArgs(c)],
    stream: true,
  },
  // RFC 7118 over TLS: sipd's wss: listener; Kamailio upgrades on a TLS listener (its websocket
  // module, event_route[xhttp:request]), so its row is one more tls: listen.
  wss: {
    sipdListen: (p) => `wss:127.0.0.1:${p}`,
    kamailioListen: (p) => `tls:127.0.0.1:${p}`,
    siptestArgs: (o, c) => [...connections(o, 'w1', 'wn'), '-wss', ...tlsArgs(c)],
    stream: true,
    kamailioWebSocket: true,
  },
};

interface Options {
  rounds: number;
  stepSeconds: number;
  transports: string[];
  servers: string[];
  subscribers: number;
  sockets: number;
  verbose: boolean;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      rounds: { type: 'string' },
      'step-seconds': { type: 'string' },
      transports: { type: 'string' },
      servers: { type: 'string' },
      subscribers: { type: 'string' },
      sockets: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const num = (k: string, d: number, min: number) => {
    const v = values[k];
    if (v === undefined || v === true) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min}`);
    return n;
  };
  const list = (k: string, d: string) =>
    String(values[k] ?? d)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const transports = list('transports', 'udp,tls');
  for (const t of transports) if (!(t in TRANSPORTS)) throw new Error(`--transports: unknown transport ${t}`);
  return {
    rounds: num('rounds', 2, 1),
    stepSeconds: num('step-seconds', 2, 0.5),
    transports,
    servers: list('servers', 'kamailio,sipd'),
    subscribers: num('subscribers', 2000, 10),
    sockets: num('sockets', 1, 1),
    verbose: values.verbose === true,
  };
}

/** A free TCP port on 127.0.0.1 (the TLS listener's). */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * WebSocket on Kamailio's TLS listeners (its websocket module documentation's configuration, as
 * test/fixtures/browser/kamailio-wss.cfg.tpl): an HTTP request on a TLS connection goes to
 * event_route[xhttp:request], which upgrades it; SIP over it then takes the request_route.
 */
const KAMAILIO_WS_MODULES = 'loadmodule "xhttp.so"\nloadmodule "websocket.so"';
const KAMAILIO_WS_ROUTE = `
event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		if (ws_handle_handshake()) exit;
	}
	xhttp_reply("404", "Not Found", "", "");
}
`;

/**
 * Kamailio's tls module and its tls.cfg (the test certificate; clients not asked for one), with
 * the WebSocket modules when `webSocket`.
 */
function kamailioTlsEdit(listens: string[], cert: CertFiles, webSocket: boolean) {
  return (cfg: string, dir: string): string => {
    const tlsCfg = join(dir, 'tls.cfg');
    const server = `method = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = ${cert.key}\ncertificate = ${cert.cert}\n`;
    // Each start has its own file in its own directory.
    writeFileSync(
      tlsCfg,
      `[server:default]\n${server}\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n`,
    );
    const extra = listens.map((l) => `listen=${l}`).join('\n');
    const ws = webSocket ? `\n${KAMAILIO_WS_MODULES}` : '';
    // The upgrade GET has no Content-Length: Kamailio must take it anyway (tcp_accept_no_cl).
    const tcp = `disable_tcp=no\nenable_tls=yes\ntcp_children=2\ntcp_connection_lifetime=3605${webSocket ? '\ntcp_accept_no_cl=yes' : ''}`;
    const edited = cfg
      .replace(/^disable_tcp=yes$/m, tcp)
      .replace(/^(listen=.*)$/m, `$1\n${extra}`)
      .replace(/^(loadmodule "ctl\.so")$/m, `$1\nloadmodule "tls.so"\nmodparam("tls", "config", "${tlsCfg}")${ws}`);
    return webSocket ? edited + KAMAILIO_WS_ROUTE : edited;
  };
}

interface Started {
  running: RunningServer;
  /** Port per transport. */
  ports: Record<string, number>;
}

/** Starts `name` listening on every transport asked for. */
async function startServer(
  name: string,
  dir: string,
  o: Options,
  cert: CertFiles,
  base: { baseDb: string; subs: Subscriber[]; callee: Subscriber },
): Promise<Started> {
  const streamPorts: Record<string, number> = {};
  for (const t of o.transports) if (TRANSPORTS[t]!.stream) streamPorts[t] = await freeTcpPort();
  let server: BenchServer;
  if (name === 'sipd') {
    const listen = Object.entries(streamPorts).map(([t, p]) => TRANSPORTS[t]!.sipdListen(p));
    const tls = `[tls]\ncertificate = "${cert.cert}"\nprivate_key = "${cert.key}"\n`;
    server = new SipdServer({ listen, config: tls });
  } else {
    const listen = Object.entries(streamPorts).map(([t, p]) => TRANSPORTS[t]!.kamailioListen(p));
    const webSocket = o.transports.some((t) => TRANSPORTS[t]!.kamailioWebSocket === true);
    server = new KamailioServer({ children: 2, allocator: 'tlsf', edit: kamailioTlsEdit(listen, cert, webSocket) });
  }
  const why = await server.unavailable();
  if (why) throw new Error(why);
  const running = await server.start({
    dir,
    domain: DOMAIN,
    baseDb: base.baseDb,
    loadSubscribers: base.subs,
    callee: base.callee,
  });
  return { running, ports: { ...streamPorts, udp: running.port } };
}

interface Figure {
  server: string;
  transport: string;
  round: number;
  perS: number;
  cpuPct?: number;
  load: string;
}

async function measure(
  s: Started,
  transport: string,
  dir: string,
  infCsv: string,
  o: Options,
  tls: ClientTls,
  hint: number | undefined,
): Promise<{ best: number; step?: StepResult }> {
  const client: LoadClient = {
    command: SIPTEST,
    port: s.ports[transport]!,
    args: TRANSPORTS[transport]!.siptestArgs(o, tls),
  };
  const ctx: LoadContext = {
    server: s.running,
    domain: DOMAIN,
    dir,
    infCsv,
    callee: { user: 'callee', password: 'callee-secret' },
    stepSeconds: o.stepSeconds,
    client,
  };
  out(`    ${transport} REGISTER/s:`);
  const first = hint === undefined || hint <= 0;
  const r = await findMaxCleanRate(
    async (rate) => {
      const step = await registerStep(ctx, rate);
      const cpu = `server ${step.serverCpuPct.toFixed(0)}%, siptest ${step.sippCpuPct.toFixed(0)}%`;
      const extra = o.verbose ? ` [${step.successful}/${step.calls}, ${cpu}]` : '';
      out(` ${rate}${step.clean ? '✓' : `✗(${step.reason})`}${extra}`);
      await sleep(step.clean ? 300 : 1500);
      return step;
    },
    {
      start: first ? 400 : hint * 0.8,
      growth: first ? 2 : 1.3,
      min: 20,
      max: 20000,
      precision: 0.1,
      maxSteps: 8,
      budgetMs: first ? 40000 : 25000,
    },
  );
  const cpu = r.bestStep ? ` (server CPU ${r.bestStep.serverCpuPct.toFixed(0)}% of a core)` : '';
  out(`\n      → ${r.best > 0 ? `${r.best}/s` : 'no clean rate'}${cpu}, stopped by ${r.stoppedBy}\n`);
  return { best: r.best, step: r.bestStep };
}

function report(figures: Figure[], o: Options): string[] {
  const lines = ['', 'REGISTER/s with digest, highest clean rate (every round, then median and spread):'];
  const servers = o.servers.filter((s) => figures.some((f) => f.server === s));
  const med = new Map<string, number>();
  for (const s of servers) {
    for (const t of o.transports) {
      const fs = figures.filter((f) => f.server === s && f.transport === t);
      if (fs.length === 0) continue;
      const xs = fs.map((f) => f.perS);
      const m = median(xs);
      med.set(`${s}/${t}`, m);
      const rounds = fs.map((f) => `r${f.round} ${f.perS}/s (load ${f.load.split(' ')[0]})`).join(', ');
      lines.push(`  ${s.padEnd(9)} ${t.padEnd(4)} ${rounds}; median ${m}/s, spread ${spreadPct(xs).toFixed(0)}%`);
    }
  }
  const ratio = (a: string, b: string) => {
    const x = med.get(a);
    const y = med.get(b);
    return x !== undefined && y ? (x / y).toFixed(2) : '—';
  };
  for (const s of servers)
    for (const t of o.transports.filter((t) => t !== 'udp'))
      lines.push(`  ${s}: ${t}/udp = ${ratio(`${s}/${t}`, `${s}/udp`)}`);
  if (servers.includes('sipd') && servers.includes('kamailio'))
    for (const t of o.transports) lines.push(`  ${t}: sipd/kamailio = ${ratio(`sipd/${t}`, `kamailio/${t}`)}`);
  return lines;
}

export default async function sipdTls(argv: string[]): Promise<void> {
  const o = options(argv);
  if (o.servers.includes('kamailio') && !kamailioModulesDir()) {
    out('Kamailio modules not found: measuring sipd only.\n');
    o.servers = o.servers.filter((s) => s !== 'kamailio');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sipkit-bench-tls-'));
  const pki = makePki();
  const removeTmp = () => {
    rmSync(tmp, { recursive: true, force: true });
    pki.cleanup();
  };
  process.once('exit', removeTmp);
  try {
    const cert = pki.server('bench.sipkit.test');
    const client = pki.server('client.sipkit.test');
    const subs = benchSubscribers(o.subscribers);
    const baseDb = join(tmp, 'subscribers.sqlite');
    createKamailioDb(baseDb);
    insertSubscribers(baseDb, DOMAIN, subs);
    const infCsv = join(tmp, 'subscribers.csv');
    writeInfCsv(infCsv, subs);
    const callee = { user: 'callee', password: 'callee-secret' };
    out(
      `Servers: ${o.servers.join(', ')}; transports: ${o.transports.join(', ')}; ${o.rounds} round(s), ` +
        `alternating; ${subs.length} subscribers; steps of ${o.stepSeconds} s; siptest, TLS over ${o.sockets} ` +
        `persistent connection(s). Load average at start ${loadAverage()}.\n`,
    );
    const figures: Figure[] = [];
    const hints = new Map<string, number>();
    for (let round = 1; round <= o.rounds; round++) {
      const servers = round % 2 ? o.servers : [...o.servers].reverse();
      for (const name of servers) {
        const dir = join(tmp, `${name}-${round}`);
        mkdirSync(dir, { recursive: true });
        out(`\n  ${name} round ${round} (load average ${loadAverage()})\n`);
        let s: Started;
        try {
          s = await startServer(name, dir, o, cert, { baseDb, subs, callee });
        } catch (e) {
          out(`    ${name} failed to start: ${(e as Error).message}\n`);
          continue;
        }
        try {
          const transports = round % 2 ? o.transports : [...o.transports].reverse();
          for (const t of transports) {
            const key = `${name}/${t}`;
            const r = await measure(s, t, dir, infCsv, o, { ...client, ca: pki.ca }, hints.get(key));
            if (r.best > 0) hints.set(key, r.best);
            figures.push({
              server: name,
              transport: t,
              round,
              perS: r.best,
              cpuPct: r.step?.serverCpuPct,
              load: loadAverage(),
            });
          }
        } finally {
          await s.running.stop();
        }
      }
    }
    out(report(figures, o).join('\n') + '\n');
  } finally {
    process.removeListener('exit', removeTmp);
    removeTmp();
  }
}
