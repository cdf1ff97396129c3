/**
 * The engine's half of a run: sockets, the Runtime, and driving it to the end (SIPp's
 * open_connections, setup_ctrl_socket and traffic_thread). runner.ts loads this module only once
 * the options and the scenario are known; the call rate counts from earlier (the process start,
 * see runSiptest), so loading the engine, opening the sockets and building the run overlap the
 * first period of the rate instead of delaying the first call (issue 15).
 */
import { monoUs } from './engine/clock.js';
import { applyKey, openControlSocket, startWatchdog } from './engine/control.js';
import { Logs } from './engine/logs.js';
import { Runtime } from './engine/runtime.js';
import { openMainUdp, openMediaSockets, resolveAddressing, UdpCallSocketPool } from './engine/setup.js';
import type { Addressing, RuntimeHooks } from './engine/runtime-options.js';
import type { CallSocket, Peer, SipTransportName } from './engine/types.js';
import type { MediaSockets } from './media/media-sockets.js';
import type { RunOptions } from './options/run-options.js';
import { Reporting } from './reporting.js';
import { reportError, type RunIo, type RunResult } from './run-io.js';
import type { loadScenarios } from './runner.js';
import { buildSummary } from './stats/summary.js';
import type { UdpSocket } from './transport/udp.js';
import type { TwinPlan } from './twin/plan.js';

export interface RunOnceExtras {
  pid?: number;
  firstCallNumber?: number;
  callNumberStep?: number;
  quiet?: boolean;
  onRuntime?: (rt: Runtime) => void;
  /** 3PCC: the twin channel to open before the first call. */
  twinPlan?: TwinPlan;
  /** When (clockMs) the call rate starts counting, if before the run starts (Runtime.start). */
  rateSince?: number;
}

export async function runOnce(
  o: RunOptions,
  loaded: ReturnType<typeof loadScenarios>,
  io: RunIo,
  extras: RunOnceExtras = {},
): Promise<RunResult> {
  const { main, ooc } = loaded;
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
    // A getter: io.isTTY reads process.stdout, which a run needs at its first screen only.
    get tty() {
      return io.isTTY && !o.json && !extras.quiet;
    },
    write: io.stdout,
    openSockets: () => sockets.length,
  });
  try {
    // Messages that arrive before the run exists are replayed once it does.
    const early: Array<[Buffer, Peer, CallSocket]> = [];
    const onMessage = (buf: Buffer, from: Peer, s: CallSocket) =>
      rt ? rt.receive(buf, from, s) : early.push([buf, from, s]);
    const provisional = await resolveAddressing(o, main.mode === 'client', 0);
    // A client watches its socket's queue: new calls wait while their replies do (back-pressure).
    const mainSocket = await openMainUdp(o, provisional.local.ip, onMessage, main.mode === 'client');
    sockets.push(mainSocket);
    const addressing = { ...provisional, local: { ...provisional.local, port: mainSocket.localPort } };
    rtp = await openMediaSockets(o, [main, ooc], addressing);
    if (o.multiSocket && main.mode === 'client') {
      pool = new UdpCallSocketPool(o, addressing.local.ip, onMessage, Math.min(64, o.maxSocket));
      await pool.prefill();
    }
    const socketForCall = () => (pool ? pool.take() : mainSocket);
    rt = newRuntime(o, loaded, { addressing, logs, reporting, extras, rtp }, socketForCall, 'UDP', () =>
      mainSocket.behindMs(),
    );
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
/** What a run's Runtime is built from besides the options, the scenarios and the transport. */
export interface RunParts {
  addressing: Addressing;
  logs: Logs;
  reporting: Reporting;
  extras: RunOnceExtras;
  rtp: MediaSockets | undefined;
}

/** The Runtime of a run whose calls go over `transportName`, each on the socket `socketForCall` gives. */
export function newRuntime(
  o: RunOptions,
  loaded: ReturnType<typeof loadScenarios>,
  parts: RunParts,
  socketForCall: RuntimeHooks['socketForCall'],
  transportName: SipTransportName,
  behindMs?: RuntimeHooks['behindMs'],
): Runtime {
  const { reporting } = parts;
  return new Runtime({
    opts: o,
    scenario: loaded.main,
    oocScenario: loaded.ooc,
    aaScenario: o.autoAnswer ? loaded.aa : undefined,
    addressing: parts.addressing,
    injection: loaded.injection,
    logs: parts.logs,
    hooks: {
      socketForCall,
      onCycle: (now) => reporting.onCycle(now),
      rttSample: (stop, rtt, rtd) => reporting.rttSample(stop, rtt, rtd),
      behindMs,
    },
    transportName,
    numbering: parts.extras,
    rtp: parts.rtp,
  });
}

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
  // 3PCC only: the twin link loads node:net (the stream modules), which a plain run never needs.
  const twin = extras.twinPlan ? await (await import('./twin/attach.js')).attachTwin(rt, extras.twinPlan) : undefined;
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
  let code = await rt.start(extras.rateSince);
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
