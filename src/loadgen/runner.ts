/**
 * siptest's entry point: parse SIPp's options, load and validate the scenario(s) before any
 * socket is opened, set up addresses and sockets, run, then write the final statistics and
 * screens (or the --json summary). Returns SIPp's exit code.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { SippError, SippExit, UnsupportedFeatures, usageError } from './errors.js';
import { monoUs } from './engine/clock.js';
import { applyKey, openControlSocket, startWatchdog } from './engine/control.js';
import { InjectionFile } from './engine/injection.js';
import { Logs } from './engine/logs.js';
import { Runtime } from './engine/runtime.js';
import { openMainUdp, openMediaSockets, resolveAddressing, UdpCallSocketPool } from './engine/setup.js';
import type { CallSocket, Peer } from './engine/types.js';
import type { MediaSockets } from './media/media-sockets.js';
import { helpStatText, helpText } from './options/help.js';
import { parseCommandLine } from './options/parse-args.js';
import type { RunOptions } from './options/run-options.js';
import { Reporting } from './reporting.js';
import { builtinScenario } from './scenario/builtin.js';
import { checkInjectedAuth } from './scenario/injected-auth.js';
import { loadScenario, newLoadContext, type LoadContext } from './scenario/loader.js';
import type { Scenario } from './scenario/model.js';
import { decodeScenarioBytes } from './scenario/xml.js';
import { buildSummary, type RunSummary } from './stats/summary.js';
import { formatTime } from './stats/format.js';
import type { UdpSocket } from './transport/udp.js';
import { versionText } from './version.js';
import { attachTwin } from './twin/attach.js';
import { planTwin, type TwinPlan } from './twin/plan.js';

export interface RunIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  /** Original argv (for -bg). */
  argv: readonly string[];
}

export interface RunResult {
  exitCode: number;
  summary?: RunSummary;
  json: boolean;
  /** The fatal error, when the run stopped on one. */
  error?: string;
}

export { SIPTEST_VERSION } from './version.js';

/** Print a fatal error as SIPp does ("<time>: message"), with siptest's location and hint. */
export function reportError(io: RunIo, err: SippError): void {
  io.stderr(`${formatTime(Date.now() * 1000)}: ${err.describe()}\n`);
}

export function loadScenarios(o: RunOptions): {
  main: Scenario;
  ooc?: Scenario;
  aa?: Scenario;
  ctx: LoadContext;
  injection: Map<string, InjectionFile>;
} {
  const injection = new Map<string, InjectionFile>();
  for (const path of o.injectionFiles) {
    const f = new InjectionFile(path);
    injection.set(f.name, f);
  }
  for (const { file, field } of o.injectionIndexes) {
    const f = injection.get(file) ?? injection.get(basename(file));
    if (!f) throw usageError(`Could not find file for -infindex: ${file}`);
    f.buildIndex(field);
  }
  const ctx = newLoadContext({
    keywords: o.keywords,
    injectionFiles: new Set(injection.keys()),
    defaultInjectionFile: o.injectionFiles[0] ? basename(o.injectionFiles[0]) : undefined,
    authUser: o.authUser ?? o.service,
    authPassword: o.authPassword,
    defaultPauseMs: o.durationMs,
    rtpPayload: o.rtpPayload,
  });
  const load = (file: string | undefined, name: string | undefined): Scenario => {
    if (file !== undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw usageError(`Unable to load or parse '${file}' xml scenario file: ${(e as Error).message}`);
      }
      const { text, encoding } = decodeScenarioBytes(bytes);
      const base = basename(file).replace(/\.xml$/, '');
      return loadScenario({ text, source: file, fileBase: base, encoding, dir: dirname(file) }, ctx);
    }
    const n = name ?? 'uac';
    return loadScenario({ text: builtinScenario(n), source: `built-in scenario '${n}'`, fileBase: n }, ctx);
  };
  const main = load(o.scenarioFile, o.scenarioName);
  const ooc = o.oocScenarioFile || o.oocScenarioName ? load(o.oocScenarioFile, o.oocScenarioName) : undefined;
  const aa = loadScenario({ text: builtinScenario('ooc_dummy'), source: 'ooc_dummy', fileBase: 'ooc_dummy' }, ctx);
  for (const s of ooc ? [main, ooc] : [main]) checkInjectedAuth(s, injection);
  return { main, ooc, aa, ctx, injection };
}

export async function runSiptest(argv: readonly string[], io: RunIo): Promise<RunResult> {
  let json = false;
  try {
    const parsed = parseCommandLineListingAll(argv);
    if (parsed.kind === 'help') {
      io.stdout(parsed.topic === 'stat' ? helpStatText() : helpText());
      return { exitCode: SippExit.NO_CALLS, json };
    }
    if (parsed.kind === 'version') {
      io.stdout(versionText());
      return { exitCode: SippExit.NO_CALLS, json };
    }
    if (parsed.kind === 'dump') {
      io.stdout(builtinScenario(parsed.name));
      return { exitCode: SippExit.NO_CALLS, json };
    }
    const o = parsed.options;
    json = o.json;
    const loaded = loadScenarios(o);
    if (loaded.ooc && loaded.main.mode === 'server')
      throw new SippError('SIPp cannot use out-of-call scenarios when running in server mode', SippExit.FATAL);
    const twinPlan = planTwin(o, loaded.main);
    if (twinPlan && o.workers > 1)
      throw usageError(
        '-workers cannot be used with 3PCC (-3pcc, -master, -slave): the twin channel is one connection',
      );
    if (o.background) return background(io);
    if (o.sleepMs) await new Promise((r) => setTimeout(r, o.sleepMs));
    if (o.workers > 1) {
      const { runWorkers } = await import('./workers/main.js');
      return await runWorkers(o, argv, io, loaded.main);
    }
    return await runOnce(o, loaded, io, { twinPlan });
  } catch (err) {
    const e = err instanceof SippError ? err : new SippError((err as Error)?.stack ?? String(err));
    reportError(io, e);
    return { exitCode: e.exitCode, json, error: e.where ? `${e.where}: ${e.message}` : e.message };
  }
}

/**
 * The command line; when it has options siptest cannot honour, the scenario's unsupported
 * features are added to the same list (every one is reported at once, before any traffic).
 */
function parseCommandLineListingAll(argv: readonly string[]): ReturnType<typeof parseCommandLine> {
  try {
    return parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UnsupportedFeatures) || !e.options) throw e;
    try {
      loadScenarios(e.options as RunOptions);
    } catch (more) {
      if (more instanceof UnsupportedFeatures) throw new UnsupportedFeatures([...e.items, ...more.items]);
    }
    throw e;
  }
}

function background(io: RunIo): RunResult {
  const args = io.argv.filter((a) => a !== '-bg' && a !== '--bg');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  io.stdout(`Background mode - PID=[${child.pid}]\n`);
  return { exitCode: SippExit.NO_CALLS, json: false };
}

export interface RunOnceExtras {
  pid?: number;
  firstCallNumber?: number;
  callNumberStep?: number;
  quiet?: boolean;
  onRuntime?: (rt: Runtime) => void;
  /** 3PCC: the twin channel to open before the first call. */
  twinPlan?: TwinPlan;
}

async function runOnce(
  o: RunOptions,
  loaded: ReturnType<typeof loadScenarios>,
  io: RunIo,
  extras: RunOnceExtras = {},
): Promise<RunResult> {
  const { main, ooc, aa, injection } = loaded;
  if (o.transport !== 'udp') {
    const { runTcp } = await import('./transport/tcp-run.js');
    return runTcp(o, loaded, io, extras);
  }
  const logs = new Logs(o, main.fileBase, extras.pid ?? process.pid);
  let rt: Runtime | undefined;
  const sockets: UdpSocket[] = [];
  let pool: UdpCallSocketPool | undefined;
  let rtp: MediaSockets | undefined;
  const reporting = new Reporting({
    tty: io.isTTY && !o.json && !extras.quiet,
    write: io.stdout,
    openSockets: () => sockets.length,
  });
  try {
    // Messages that arrive before the run exists are replayed once it does.
    const early: Array<[Buffer, Peer, CallSocket]> = [];
    const onMessage = (buf: Buffer, from: Peer, s: CallSocket) =>
      rt ? rt.receive(buf, from, s) : early.push([buf, from, s]);
    const provisional = await resolveAddressing(o, main.mode === 'client', 0);
    const mainSocket = await openMainUdp(o, provisional.local.ip, onMessage);
    sockets.push(mainSocket);
    const addressing = { ...provisional, local: { ...provisional.local, port: mainSocket.localPort } };
    rtp = await openMediaSockets(o, [main, ooc], addressing);
    if (o.multiSocket && main.mode === 'client') {
      pool = new UdpCallSocketPool(o, addressing.local.ip, onMessage, Math.min(64, o.maxSocket));
      await pool.prefill();
    }
    rt = new Runtime({
      opts: o,
      scenario: main,
      oocScenario: ooc,
      aaScenario: o.autoAnswer ? aa : undefined,
      addressing,
      injection,
      logs,
      hooks: {
        socketForCall: () => (pool ? pool.take() : mainSocket),
        onCycle: (now) => reporting.onCycle(now),
        rttSample: (stop, rtt, rtd) => reporting.rttSample(stop, rtt, rtd),
      },
      transportName: 'UDP',
      numbering: extras,
      rtp,
    });
    return await drive(rt, early, reporting, o, io, extras, () => {
      for (const s of sockets) s.close();
      pool?.closeAll();
      rtp?.close();
    });
  } catch (err) {
    for (const s of sockets) s.close();
    pool?.closeAll();
    rtp?.close();
    logs.closeAll();
    throw err;
  }
}

/**
 * Start the run (messages that arrived before the runtime existed are handed over, statistics
 * start) and drive it to the end: timers, signals, keys; then final rows, screens and the exit code.
 */
export async function drive(
  rt: Runtime,
  early: Array<[Buffer, Peer, CallSocket]>,
  reporting: Reporting,
  o: RunOptions,
  io: RunIo,
  extras: RunOnceExtras,
  closeSockets: () => void,
): Promise<RunResult> {
  extras.onRuntime?.(rt);
  const twin = extras.twinPlan ? await attachTwin(rt, extras.twinPlan) : undefined;
  for (const [b, f, c] of early.splice(0)) rt.receive(b, f, c);
  reporting.startMono = monoUs();
  reporting.attach(rt);
  const timers: NodeJS.Timeout[] = [];
  if (o.globalTimeoutMs > 0) timers.push(setTimeout(() => rt.globalTimeout(), o.globalTimeoutMs));
  const onUsr1 = () => {
    rt.quitting += 10;
    rt.kick();
  };
  // SIGUSR2 dumps the screens, creating the screen log if -trace_screen did not.
  const onUsr2 = () => {
    rt.logs.screen.open();
    rt.logs.screen.write(reporting.allScreens());
  };
  // A key from the keyboard or the control socket: its effect on the run, then on the screens;
  // "s" dumps the screens when the screen log is open (SIPp's process_key).
  const onKey = (ch: string) => {
    applyKey(rt, ch);
    if (ch === 's' && rt.logs.screen.enabled) rt.logs.screen.write(reporting.allScreens());
    reporting.key(ch);
  };
  const onTerm = () => rt.stopBySignal();
  if (!extras.quiet) {
    process.on('SIGUSR1', onUsr1);
    const early = (globalThis as { siptestEarlySignals?: { list: string[]; stop: () => void } }).siptestEarlySignals;
    if (early) {
      early.stop();
      if (early.list.includes('SIGUSR1')) rt.quitting += 10;
    }
    process.on('SIGUSR2', onUsr2);
    process.on('SIGINT', onTerm);
    process.on('SIGTERM', onTerm);
  }
  const control = extras.quiet ? undefined : await openControlSocket(rt, onKey);
  const stopWatchdog = startWatchdog(rt);
  const stdinKeys = !o.noStdin && io.isTTY && process.stdin.isTTY && !extras.quiet ? attachKeys(onKey) : undefined;
  let code = await rt.start();
  for (const t of timers) clearTimeout(t);
  process.off('SIGUSR1', onUsr1);
  process.off('SIGUSR2', onUsr2);
  process.off('SIGINT', onTerm);
  process.off('SIGTERM', onTerm);
  stdinKeys?.();
  control?.close();
  stopWatchdog();
  twin?.close();
  closeSockets();
  code = rt.exitCode(code);
  reporting.finish();
  // The screens at exit go to the log with -trace_screen only (SIPp's useScreenf), not after a SIGUSR2.
  if (o.screen.enabled) rt.logs.screen.write(reporting.allScreens());
  rt.logs.closeAll();
  const summary = buildSummary(rt.scenario, rt.stats, code, rt.now(), rt.fatal?.message);
  if (rt.rtp) summary.rtp = { port: rt.rtp.port, ...rt.rtp.counters };
  if (!extras.quiet) {
    if (!o.json) io.stdout(reporting.closingScreens());
    if (rt.fatal) reportError(io, rt.fatal);
  }
  return { exitCode: code, summary, json: o.json };
}

/** SIPp's keys on a TTY: q soft quit (twice: abort), Q quit now, p pause, + - * / rate, 1–9 screens, s dump. */
function attachKeys(onKey: (ch: string) => void): () => void {
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  const onData = (d: Buffer) => {
    for (const ch of d.toString('latin1')) onKey(ch === '\x03' ? 'Q' : ch);
  };
  stdin.on('data', onData);
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

export { runOnce };
