/**
 * The sipp loads, identical for every server: REGISTER with digest (per-call subscriber from the
 * injection CSV), and calls through the proxy to a sipp UAS registered as the callee. Each step
 * runs one sipp at a fixed rate for a bounded number of calls and judges it:
 *
 *   clean = sipp exited 0, every call created succeeded, no failed call,
 *           retransmissions <= RETRANS_MAX_SHARE of the calls,
 *           and the run did not fall behind (wall time <= calls / rate * SLACK + call length + 0.5 s).
 *
 * The server's CPU (its whole process group) is read before and after each step.
 */
import { join } from 'node:path';
import { fixturesDir } from '../../helpers/fixtures.js';
import { readRtt, RTT_FREQ, type Latency } from './latency.js';
import { freeUdpBlock } from './ports.js';
import { groupCpuMs } from './procs.js';
import type { StepOutcome } from './rate-finder.js';
import type { RunningServer } from './server.js';
import {
  commonArgs,
  runSipp,
  SIPP_PORT_BLOCK,
  startSipp,
  udpDrops,
  type RunningSipp,
  type SippRunResult,
} from './sipp.js';
import { writeInfCsv, type Subscriber } from './subscribers.js';

export const SCENARIOS = {
  register: join(fixturesDir, 'bench', 'register.xml'),
  uac: join(fixturesDir, 'bench', 'uac-call.xml'),
  uas: join(fixturesDir, 'bench', 'uas-call.xml'),
};

/** Retransmissions allowed in a clean step, as a share of its calls. */
export const RETRANS_MAX_SHARE = 0.005;
/** A step may take this much longer than calls / rate before it counts as "fell behind". */
export const SLACK = 1.15;
/** Length of the pause between ACK and BYE (sipp -d). */
export const CALL_PAUSE_MS = 200;
/** A message unanswered this long fails its call (bounds a step against a stalled server). */
const RECV_TIMEOUT_MS = 5000;

export interface StepResult extends StepOutcome {
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  wallS: number;
  serverCpuMs: number;
  /** The system (kernel) part of serverCpuMs. */
  serverSysMs: number;
  /** Server CPU over the step's wall time, in % of one core (Kamailio with 2 workers: up to ~200). */
  serverCpuPct: number;
  /** The load generator's CPU over the step, in % of one core: the stepping sipp, and the UAS. */
  sippCpuPct: number;
  uasCpuPct?: number;
  /** Datagrams the kernel dropped for want of buffer room during the step: on the server's socket, on the stepping sipp's. */
  serverDrops: number;
  clientDrops: number;
  /** INVITE→200 of the step's calls, when it was asked for (callStep's `latency`). */
  latency?: Latency | null;
}

export interface LoadContext {
  server: RunningServer;
  domain: string;
  /** Where sipp writes its stat files and reads the CSVs. */
  dir: string;
  /** -inf CSV of the load subscribers. */
  infCsv: string;
  callee: Subscriber;
  stepSeconds: number;
  /** CPU ms so far of the callee's sipp UAS, when one runs (set by Callee.start). */
  uasCpuMs?: () => number;
  /**
   * The load generator and transport, when not sipp over UDP to server.port (the TLS bench:
   * siptest `-t ln` to the server's TLS port).
   */
  client?: LoadClient;
}

export interface LoadClient {
  /** Command before the arguments, e.g. [process.execPath, 'bin/siptest.js']. */
  command: readonly string[];
  /** Port of the server to send to (its TLS listener...). */
  port: number;
  /** Transport options, e.g. ['-t', 'ln', '-max_socket', '16', '-tls_cert', C, '-tls_key', K]. */
  args: readonly string[];
}

let statSeq = 0;

function judge(
  rate: number,
  calls: number,
  tailS: number,
  r: SippRunResult,
  cpuMs: number,
  uasCpuMs: number | undefined,
  serverDrops: number,
  clock: 'wall' | 'stats' = 'wall',
): StepResult {
  const s = r.stats;
  const wallS = r.wallMs / 1000;
  // A node load generator (siptest) takes a while to start on a busy machine: its own clock
  // (first to last stat row) says whether the load fell behind, not the process's wall time.
  const ranS = clock === 'stats' && s ? s.elapsedS : wallS;
  const base = {
    rate,
    calls,
    successful: s?.successful ?? 0,
    failed: s?.failed ?? 0,
    retransmissions: s?.retransmissions ?? 0,
    wallS,
    serverCpuMs: cpuMs,
    serverSysMs: 0,
    serverCpuPct: (cpuMs / r.wallMs) * 100,
    sippCpuPct: (r.cpuMs / r.wallMs) * 100,
    uasCpuPct: uasCpuMs === undefined ? undefined : (uasCpuMs / r.wallMs) * 100,
    serverDrops,
    clientDrops: r.drops,
  };
  const reasons: string[] = [];
  if (!s) reasons.push(`no stats (sipp exit ${r.code ?? r.signal}${r.stderr ? `: ${r.stderr.split('\n')[0]}` : ''})`);
  else {
    if (s.failed > 0) reasons.push(`${s.failed} failed`);
    if (s.successful < calls) reasons.push(`${s.successful}/${calls} succeeded`);
    if (s.retransmissions > Math.max(0, Math.floor(calls * RETRANS_MAX_SHARE))) {
      reasons.push(`${s.retransmissions} retransmissions`);
    }
    const allowed = (calls / rate) * SLACK + tailS + 0.5;
    if (ranS > allowed) reasons.push(`fell behind (${ranS.toFixed(1)} s > ${allowed.toFixed(1)} s)`);
    if (r.code !== 0 && reasons.length === 0) reasons.push(`sipp exit ${r.code ?? r.signal}`);
    // Where the retransmissions came from: datagrams lost in the server's or the client's buffer.
    if (reasons.length > 0 && serverDrops + r.drops > 0) {
      reasons.push(`dropped: ${serverDrops} at the server, ${r.drops} at the client`);
    }
  }
  return { ...base, clean: reasons.length === 0, reason: reasons.join(', ') || undefined };
}

async function sippStep(
  ctx: LoadContext,
  rate: number,
  calls: number,
  tailS: number,
  scenarioArgs: string[],
  limit: number,
  latency = false,
): Promise<StepResult> {
  const ports = { base: await freeUdpBlock(SIPP_PORT_BLOCK) };
  const statFile = join(ctx.dir, `step-${++statSeq}.csv`);
  const self = `127.0.0.1:${ports.base}`;
  const args = [
    `127.0.0.1:${ctx.client?.port ?? ctx.server.port}`,
    ...scenarioArgs.map((a) => (a === SELF ? self : a)),
    ...commonArgs(ports),
    ...(ctx.client?.args ?? []),
  ];
  args.push('-r', String(rate), '-rp', '1000', '-m', String(calls), '-l', String(limit));
  args.push('-recv_timeout', String(RECV_TIMEOUT_MS), '-trace_stat', '-stf', statFile, '-fd', '1');
  args.push('-timeout', `${Math.ceil(calls / rate + tailS + 20)}s`);
  if (latency) args.push('-trace_rtt', '-rtt_freq', String(RTT_FREQ));
  const cpu0 = ctx.server.cpuMs();
  const sys0 = ctx.server.sysMs();
  const uas0 = ctx.uasCpuMs?.();
  const drops0 = udpDrops(ctx.server.port);
  const killAfterMs = (calls / rate + tailS + 30) * 1000;
  const r = await runSipp({
    args,
    statFile,
    cwd: ctx.dir,
    killAfterMs,
    command: ctx.client?.command,
    dropsPort: ports.base,
  });
  const cpuMs = ctx.server.cpuMs() - cpu0;
  const uasMs = uas0 === undefined ? undefined : ctx.uasCpuMs!() - uas0;
  const serverDrops = udpDrops(ctx.server.port) - drops0;
  const step = judge(rate, calls, tailS, r, cpuMs, uasMs, serverDrops, ctx.client ? 'stats' : 'wall');
  step.serverSysMs = ctx.server.sysMs() - sys0;
  if (latency) step.latency = readRtt(ctx.dir, r.pid);
  return step;
}

/** Stands for the stepping sipp's own address in its arguments (known once its ports are). */
const SELF = '\u0000self';

function registerArgs(ctx: LoadContext, csv: string, contactAddr: string): string[] {
  // -auth_uri: the digest uri is then the Request-URI (sip:DOMAIN), not sipp's default host:port.
  // -nd: an aborted REGISTER "call" (a 503, a retransmission timeout) ends there; by default sipp
  // sends a BYE for it, to the AoR, which the server then relays to the binding (this sipp): an
  // overload step measured 19,388 such BYEs, load no phone makes, on both servers alike.
  const args = ['-sf', SCENARIOS.register, '-inf', csv, '-key', 'domain', ctx.domain, '-auth_uri', ctx.domain, '-nd'];
  args.push('-key', 'contact_addr', contactAddr);
  return args;
}

/** One REGISTER-with-digest step at `rate` registrations/s for ctx.stepSeconds. */
export function registerStep(ctx: LoadContext, rate: number): Promise<StepResult> {
  const calls = Math.max(20, Math.round(rate * ctx.stepSeconds));
  const limit = Math.max(100, Math.round(rate));
  return sippStep(ctx, rate, calls, 0.1, registerArgs(ctx, ctx.infCsv, SELF), limit);
}

/**
 * The caller's scenario options. -pause_msg_ign: a proxy with several workers may relay the 180
 * after the 200 (UDP, two processes); that late 180 reaches the caller during the pause, and
 * without this flag sipp would abort a call that went fine.
 */
export function uacArgs(callee: string, domain: string): string[] {
  return ['-s', callee, '-key', 'domain', domain, '-d', String(CALL_PAUSE_MS), '-pause_msg_ign'];
}

/**
 * One call step at `rate` calls/s for `seconds` (default ctx.stepSeconds). `latency`: also
 * INVITE→200 percentiles (sipp -trace_rtt; the call count is then a multiple of its dump period).
 */
export function callStep(
  ctx: LoadContext,
  rate: number,
  seconds = ctx.stepSeconds,
  latency = false,
): Promise<StepResult> {
  let calls = Math.max(20, Math.round(rate * seconds));
  if (latency) calls = Math.max(RTT_FREQ, Math.round(calls / RTT_FREQ) * RTT_FREQ);
  return callLoad(ctx, rate, calls, latency);
}

/** Exactly `calls` calls at `rate` calls/s, judged like a step. */
export function callLoad(ctx: LoadContext, rate: number, calls: number, latency = false): Promise<StepResult> {
  const limit = Math.max(100, Math.round(rate * 2));
  const args = ['-sf', SCENARIOS.uac, ...uacArgs(ctx.callee.user, ctx.domain)];
  return sippStep(ctx, rate, calls, CALL_PAUSE_MS / 1000 + 0.1, args, limit, latency);
}

/** One REGISTER (401, then digest) of `sub` binding `contactAddr`; sipp's result as is. */
export async function registerOnce(ctx: LoadContext, sub: Subscriber, contactAddr: string): Promise<SippRunResult> {
  const csv = join(ctx.dir, `register-${++statSeq}.csv`);
  writeInfCsv(csv, [sub], 'SEQUENTIAL');
  const ports = { base: await freeUdpBlock(SIPP_PORT_BLOCK) };
  const statFile = join(ctx.dir, `register-${++statSeq}-stat.csv`);
  const args = [`127.0.0.1:${ctx.server.port}`, ...registerArgs(ctx, csv, contactAddr)];
  args.push(...commonArgs(ports), '-m', '1', '-recv_timeout', '3000', '-timeout', '10s');
  args.push('-trace_stat', '-stf', statFile);
  return runSipp({ args, statFile, cwd: ctx.dir, killAfterMs: 15000 });
}

/** The callee: a sipp UAS on its own ports, registered (with digest) to the server. */
export class Callee {
  private uas: RunningSipp | undefined;
  private cpuBefore = 0;
  private constructor(
    private readonly ctx: LoadContext,
    private readonly base: number,
  ) {}

  static async start(ctx: LoadContext): Promise<Callee> {
    const c = new Callee(ctx, await freeUdpBlock(SIPP_PORT_BLOCK));
    c.launch();
    await c.register();
    // Cumulative over restarts, so that a step's difference stays right after one.
    ctx.uasCpuMs = () => c.cpuBefore + (c.uas ? groupCpuMs(c.uas.group.pgid) : 0);
    return c;
  }

  get address(): string {
    return `127.0.0.1:${this.base}`;
  }

  private launch(): void {
    const args = ['-sf', SCENARIOS.uas, '-s', this.ctx.callee.user, ...commonArgs({ base: this.base })];
    this.uas = startSipp(args, this.ctx.dir);
  }

  /** REGISTER (digest) the callee's binding to the UAS address; throws if it does not succeed. */
  async register(): Promise<void> {
    const r = await registerOnce(this.ctx, this.ctx.callee, this.address);
    if (r.code !== 0 || r.stats?.successful !== 1) {
      throw new Error(
        `registering the callee ${this.ctx.callee.user}@${this.ctx.domain} with ${this.ctx.server.name} failed ` +
          `(sipp exit ${r.code ?? r.signal}${r.stderr ? `: ${r.stderr.split('\n')[0]}` : ''})\n${this.ctx.server.logTail(8)}`,
      );
    }
  }

  /**
   * A fresh UAS on the same port: after an overloaded step the old one keeps retransmitting 200s
   * of calls that the caller gave up, which would load the server during the next step.
   */
  async restart(): Promise<void> {
    if (this.uas) this.cpuBefore += groupCpuMs(this.uas.group.pgid);
    await this.uas?.stop();
    this.launch();
  }

  async stop(): Promise<void> {
    await this.uas?.stop();
    this.uas = undefined;
    this.ctx.uasCpuMs = undefined;
  }
}
