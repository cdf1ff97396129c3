/**
 * One siptest run (SIPp's main loop and globals): the scheduling cycle, the call table and dead
 * calls, new calls from the rate generator or from incoming requests, out-of-call handling, the
 * quit rules and the exit code.
 */
import { SippError, SippExit, type SippExitCode } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';
import { newTable, type CallVariable } from '../scenario/variables.js';
import { C } from '../stats/counters.js';
import { formatTime } from '../stats/format.js';
import { Stats } from '../stats/stats.js';
import { Call } from './call.js';
import { scenarioSteps, type CallSteps } from './call-steps.js';
import { performance } from 'node:perf_hooks';
import { clockMs, nowUs } from './clock.js';
import { Incoming } from './incoming.js';
import type { InjectionFile } from './injection.js';
import type { Logs } from './logs.js';
import { Scheduler } from './scheduler.js';
import type { CallSocket, Engine, Peer } from './types.js';

export interface Addressing {
  local: { ip: string; ipEscaped: string; port: number; ipType: '4' | '6' };
  remote: { host: string; ip: string; ipEscaped: string; port: number } | undefined;
  media: { ip: string; ipType: '4' | '6'; port: number };
  destination: Peer | undefined;
}

export interface RuntimeHooks {
  /** Socket for a new call (shared or per-call). Undefined: none ready yet (per-call pools). */
  socketForCall(): CallSocket | undefined;
  /** Called once per scheduling cycle. */
  onCycle(now: number): void;
  rttSample(stopUs: number, rttUs: number, rtd: number): void;
}

export function statsShape(s: Scenario) {
  return {
    rtdCount: s.rtdNames.length,
    rtdRepartitions: s.rtdRepartitions,
    callLengthRepartition: s.callLengthRepartition,
    counterCount: s.counterNames.length,
    messageCount: s.messages.length,
  };
}

export class Runtime implements Engine {
  readonly scheduler = new Scheduler();
  readonly callSteps: CallSteps = scenarioSteps;
  readonly stats: Stats;
  readonly pid: number;
  readonly globals: CallVariable[];
  readonly calls = new Map<string, Call>();
  private readonly dead = new Map<string, { reason: string; expires: number }>();
  private readonly deadQueue: Array<[string, number]> = [];
  private readonly userTables = new Map<number, CallVariable[]>();
  readonly freeUsers: number[] = [];
  private readonly otherStats = new Map<Scenario, Stats>();
  private dynamicId: number;
  nextCallNumber = 1;
  quitting = 0;
  timeoutExit = false;
  stoppedNow = false;
  fatal: SippError | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private finish!: (code: SippExitCode) => void;
  /** Set when the run is over (stops the loop). */
  done = false;
  readonly startUs = nowUs();
  private genLastRateChange = 0;
  private genCallsSince = 0;
  rate: number;
  openCallsAllowed: number;
  paused = false;

  constructor(
    readonly opts: RunOptions,
    readonly scenario: Scenario,
    readonly oocScenario: Scenario | undefined,
    readonly aaScenario: Scenario | undefined,
    readonly addressing: Addressing,
    readonly injection: Map<string, InjectionFile>,
    readonly logs: Logs,
    private readonly hooks: RuntimeHooks,
    readonly transportName: 'UDP' | 'TCP',
    opts2: { pid?: number; firstCallNumber?: number; callNumberStep?: number } = {},
  ) {
    this.pid = opts2.pid ?? process.pid;
    this.nextCallNumber = opts2.firstCallNumber ?? 1;
    this.callNumberStep = opts2.callNumberStep ?? 1;
    this.stats = new Stats(statsShape(scenario));
    this.globals = newTable(scenario.globalVars.size);
    for (const [name, value] of opts.globals) {
      const ref = scenario.globalVars.find(name, false);
      if (!ref)
        throw new SippError(`Can not set the global variable ${name}, because it does not exist.`, SippExit.FAILED);
      this.globals[ref.slot]!.setString(value);
    }
    this.dynamicId = opts.dynamicStart;
    for (let i = 1; i <= opts.users; i++) this.freeUsers.push(i);
    this.rate = opts.rate;
    this.openCallsAllowed = opts.limit;
    this.setRate(opts.rate);
  }

  private readonly callNumberStep: number;

  get local() {
    return this.addressing.local;
  }
  get remote() {
    return this.addressing.remote;
  }
  get media() {
    return this.addressing.media;
  }
  get destination() {
    return this.addressing.destination;
  }

  now(): number {
    return clockMs();
  }

  userTable(userId: number): CallVariable[] {
    let t = this.userTables.get(userId);
    if (!t) this.userTables.set(userId, (t = newTable(this.scenario.userVars.size)));
    return t;
  }

  nextDynamicId(): number {
    const v = this.dynamicId;
    this.dynamicId += this.opts.dynamicStep;
    if (this.dynamicId > this.opts.dynamicMax) this.dynamicId = this.opts.dynamicStart;
    return v;
  }

  socketForCall(): CallSocket {
    const s = this.hooks.socketForCall();
    if (!s) throw new SippError('No socket available for a new call');
    return s;
  }

  get tracingCallDebug(): boolean {
    return this.logs.callDebug.enabled;
  }

  statsFor(s: Scenario): Stats {
    if (s === this.scenario) return this.stats;
    let st = this.otherStats.get(s);
    if (!st) this.otherStats.set(s, (st = new Stats(statsShape(s))));
    return st;
  }

  register(callId: string, call: unknown): void {
    this.calls.set(callId, call as Call);
  }

  unregister(callId: string, deadReason: string | undefined, initCall: boolean): void {
    this.calls.delete(callId);
    if (deadReason !== undefined && this.opts.deadcallWaitMs > 0 && !initCall) {
      const expires = this.now() + this.opts.deadcallWaitMs;
      this.dead.set(callId, { reason: deadReason, expires });
      this.deadQueue.push([callId, expires]);
    }
  }

  warning(text: string): void {
    this.stats.add(C.Warnings);
    this.logs.error(text);
  }

  traceSent(buf: Buffer, socket: CallSocket): void {
    const l = this.logs;
    if (l.messages.enabled)
      l.messages.write(
        `----------------------------------------------- ${formatTime(nowUs(), true)}\n${socket.transport} message sent (${buf.length} bytes):\n\n${buf.toString('latin1')}\n`,
      );
    if (l.shortMessages.enabled) this.traceShort('S', buf);
  }

  private traceShort(dir: 'S' | 'R', buf: Buffer): void {
    const inc = Incoming.parse(buf);
    if (!inc) return;
    const firstLine = inc.text.slice(0, inc.text.search(/[\r\n]/));
    this.logs.shortMessages.write(
      `${formatTime(nowUs())}\t${dir}\t${this.trimCallId(inc.callId)}\tCSeq:${inc.header('CSeq:', true)}\t${firstLine}\n`,
    );
  }

  logAction(text: string): void {
    this.logs.actions.write(text);
  }

  traceMessage(text: string): void {
    this.logs.messages.write(text);
  }

  callDebug(text: string): void {
    this.logs.callDebug.write(
      `-------------------------------------------------------------------------------\n${text}`,
    );
  }

  freeUser(userId: number): void {
    if (this.stats.current > this.openCallsAllowed) return;
    this.freeUsers.unshift(userId);
  }

  stopGracefully(): void {
    this.quitting = Math.max(this.quitting, 1);
  }

  stopNow(): void {
    this.stoppedNow = true;
    this.end(SippExit.INTERNAL_COMMAND);
  }

  /** SIGINT/SIGTERM: stop now; the exit code comes from the counters (SIPp's sipp_exit). */
  stopBySignal(): void {
    this.end(SippExit.OK);
  }

  rttSample(stopUs: number, rttUs: number, rtd: number): void {
    this.hooks.rttSample(stopUs, rttUs, rtd);
  }

  trimCallId(id: string): string {
    if (this.opts.callIdSlashIgnore) return id;
    const at = id.indexOf('///');
    return at >= 0 ? id.slice(at + 3) : id;
  }

  /** -users at run time (control socket "cset users N", + - * / keys). */
  setUsers(n: number): void {
    const target = Math.max(0, Math.trunc(n));
    while (this.opts.users < target) this.freeUsers.unshift(++this.opts.users);
    if (target < this.opts.users) {
      const drop = this.opts.users - target;
      this.freeUsers.splice(0, Math.min(drop, this.freeUsers.length));
      this.opts.users = target;
    }
    this.openCallsAllowed = target;
    this.kick();
  }

  /** SIPp's -l default: 3 × rate × max(call length, 1 s) / rate period. */
  setRate(rate: number): void {
    this.rate = Math.max(0, rate);
    this.genLastRateChange = this.now();
    this.genCallsSince = 0;
    if (!this.opts.limitSet) {
      const length = Math.max(this.scenario.durationMs, this.opts.durationMs, 1000);
      this.openCallsAllowed = Math.trunc((3 * this.rate * length) / this.opts.ratePeriodMs) || 1;
    }
  }

  // ---- receiving ---------------------------------------------------------------------------

  /** A datagram or stream message arrived on `socket` from `from`. */
  receive(buf: Buffer, from: Peer, socket: CallSocket): void {
    if (this.done) return;
    try {
      this.receiveUnsafe(buf, from, socket);
    } catch (err) {
      this.abortRun(err);
    }
  }

  private receiveUnsafe(buf: Buffer, from: Peer, socket: CallSocket): void {
    const inc = Incoming.parse(buf);
    if (!inc) {
      const keepalive = buf.length === 4 && (buf.toString('latin1') === '\r\n\r\n' || buf.readUInt32BE(0) === 0);
      if (!keepalive && buf.length > 0)
        this.warning(`non SIP message discarded: "${buf.toString('latin1')}" (${buf.length})`);
      return;
    }
    const callId = this.trimCallId(inc.callId);
    if (callId === '') {
      this.warning('SIP message without Call-ID discarded');
      return;
    }
    const l = this.logs;
    if (l.shortMessages.enabled) this.traceShort('R', buf);
    if (l.messages.enabled)
      l.messages.write(
        `----------------------------------------------- ${formatTime(nowUs(), true)}\n${socket.transport} message received [${buf.length}] bytes :\n\n${inc.text}\n`,
      );
    let call = this.calls.get(callId);
    if (!call) {
      const dead = this.dead.get(callId);
      if (dead) {
        this.stats.add(C.DeadCallMsgs);
        this.warning(`Dead call ${callId} (${dead.reason}), received '${inc.text}'`);
        this.traceMessage(
          `-----------------------------------------------\nDead call ${callId} received a ${this.transportName} message:\n\n${inc.text}\n`,
        );
        dead.expires = this.now() + this.opts.deadcallWaitMs;
        return;
      }
      call = this.newCallFor(inc, callId, from, socket);
      if (!call) return;
    }
    if (!call.peer) call.peer = from;
    call.receive(inc);
    this.kick();
  }

  private newCallFor(inc: Incoming, callId: string, from: Peer, socket: CallSocket): Call | undefined {
    const rsa = this.opts.remoteSendingAddress ? this.destination : undefined;
    if (this.scenario.mode === 'server') {
      if (this.quitting >= 1) {
        this.stats.add(C.OutOfCallMsgs);
        this.traceMessage('Discarded message for new calls while quitting\n');
        return undefined;
      }
      this.stats.callCreated(true, this.now());
      const call = new Call(this, this.scenario, callId, this.takeCallNumber(), 0, {
        socket,
        peer: rsa ?? from,
        stats: this.stats,
      });
      this.register(callId, call);
      return call;
    }
    const ooc = this.oocScenario;
    if (ooc) {
      if (inc.isResponse) {
        this.stats.add(C.OutOfCallMsgs);
        return undefined;
      }
      this.warning(`Received out-of-call ${inc.method} message, using the out-of-call scenario`);
      const st = this.statsFor(ooc);
      st.callCreated(true, this.now());
      this.stats.add(C.AutoAnswered);
      const call = new Call(this, ooc, callId, 0, 0, { socket, peer: rsa ?? from, automatic: true, stats: st });
      this.register(callId, call);
      return call;
    }
    const m = inc.method;
    if (
      this.opts.autoAnswer &&
      this.aaScenario &&
      (m === 'INFO' || m === 'NOTIFY' || m === 'OPTIONS' || m === 'UPDATE')
    ) {
      const st = this.statsFor(this.aaScenario);
      st.callCreated(true, this.now());
      this.stats.add(C.AutoAnswered);
      const call = new Call(this, this.aaScenario, callId, 0, 0, {
        socket,
        peer: rsa ?? from,
        automatic: true,
        stats: st,
      });
      this.register(callId, call);
      return call;
    }
    this.stats.add(C.OutOfCallMsgs);
    this.warning(`Discarding message which can't be mapped to a known SIPp call:\n${inc.text}`);
    return undefined;
  }

  private takeCallNumber(): number {
    const n = this.nextCallNumber;
    this.nextCallNumber += this.callNumberStep;
    return n;
  }

  // ---- new outgoing calls ------------------------------------------------------------------

  private callIdParts: string[] | undefined;

  /** -cid_str (default %u-%p@%s): the format is split once; %u is the only part that changes. */
  callIdFor(n: number): string {
    if (!this.callIdParts) {
      const parts: string[] = [''];
      const f = this.opts.callIdFormat;
      for (let i = 0; i < f.length; i++) {
        if (f[i] !== '%' || i + 1 >= f.length) {
          parts[parts.length - 1] += f[i];
          continue;
        }
        const c = f[++i];
        if (c === 'u') parts.push('');
        else parts[parts.length - 1] += c === 'p' ? String(this.pid) : c === 's' ? this.local.ip : '%';
      }
      this.callIdParts = parts;
    }
    return this.callIdParts.join(String(n));
  }

  /** SIPp's CallGenerationTask::run: open the calls the rate (or -users) asks for. */
  private generate(now: number): void {
    if (this.quitting || this.paused || this.scenario.mode !== 'client') return;
    const current = this.stats.current;
    const total = this.stats.totalCreated;
    let toOpen: number;
    if (this.opts.users >= 0) toOpen = this.freeUsers.length;
    else {
      const expected = Math.floor((now - this.genLastRateChange) * (this.rate / this.opts.ratePeriodMs));
      toOpen = expected - this.genCallsSince;
    }
    if (total + toOpen > this.opts.stopAfter) toOpen = this.opts.stopAfter - total;
    if (this.opts.users < 0) this.genCallsSince += Math.max(0, toOpen);
    if (this.openCallsAllowed && current + toOpen > this.openCallsAllowed) toOpen = this.openCallsAllowed - current;
    // Like SIPp, spend at most about a millisecond opening calls per cycle: after a stall the
    // backlog is spread over the next cycles instead of leaving in one burst.
    const budgetEnd = performance.now() + 1;
    for (let i = 0; i < toOpen; i++) {
      if ((i & 15) === 15 && performance.now() > budgetEnd) {
        if (this.opts.users < 0) this.genCallsSince -= toOpen - i;
        break;
      }
      const socket = this.hooks.socketForCall();
      if (!socket) {
        if (this.opts.users < 0) this.genCallsSince -= toOpen - i;
        break;
      }
      const userId = this.opts.users >= 0 ? this.freeUsers.pop()! : 0;
      const n = this.takeCallNumber();
      const id = this.callIdFor(n);
      this.stats.callCreated(false, now);
      const call = new Call(this, this.scenario, id, n, userId, { socket, peer: this.destination, stats: this.stats });
      this.register(id, call);
      call.setRunning();
    }
    if (this.stats.totalCreated >= this.opts.stopAfter) this.quitting = Math.max(this.quitting, 1);
  }

  /** When the generator should run next (ms), for the idle timer. */
  private nextGeneration(now: number): number | undefined {
    if (this.quitting || this.paused || this.scenario.mode !== 'client' || this.opts.users >= 0 || this.rate <= 0)
      return undefined;
    const msPerCall = this.opts.ratePeriodMs / Math.max(this.rate, 1);
    return Math.max(now + 1, this.genLastRateChange + (this.genCallsSince + 1) * msPerCall);
  }

  // ---- the loop ----------------------------------------------------------------------------

  /** Run the scenario `init` section, then start the loop. Resolves with the exit code. */
  start(): Promise<SippExitCode> {
    return new Promise((resolve) => {
      this.finish = resolve;
      this.running = true;
      try {
        if (this.scenario.initMessages.length) {
          const init = new Call(this, this.scenario, '///main-init', 0, 0, {
            initCall: true,
            automatic: true,
            stats: this.stats,
          });
          init.run();
        }
      } catch (err) {
        this.abortRun(err);
        return;
      }
      this.genLastRateChange = this.now();
      this.kick();
    });
  }

  /** Make sure a cycle runs soon. */
  kick(): void {
    if (this.immediate || this.done) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.cycle();
    });
  }

  private cycle(): void {
    if (this.done) return;
    try {
      const now = this.now();
      this.expireDead(now);
      this.scheduler.expire(now);
      const tasks = this.scheduler.takeRunQueue();
      const max = Math.min(tasks.length, this.opts.maxSchedLoops);
      for (let i = 0; i < max; i++) {
        const t = tasks[i]!;
        let steps = 0;
        while (t.sched.running && !t.sched.dead && steps++ < 16) t.run();
        if (this.done) return;
      }
      this.scheduler.requeue(tasks, max);
      this.generate(now);
      if (this.stats.totalCreated >= this.opts.stopAfter) this.quitting = Math.max(this.quitting, 1);
      this.hooks.onCycle(now);
      if (this.done) return;
      if (this.quitting > 11) this.abortAll();
      if (this.quitting && this.stats.current <= 0) {
        this.end(SippExit.OK);
        return;
      }
    } catch (err) {
      this.abortRun(err);
      return;
    }
    this.scheduleNext();
  }

  private scheduleNext(): void {
    if (this.done) return;
    if (this.scheduler.runningCount > 0) {
      this.kick();
      return;
    }
    const now = this.now();
    let next = this.scheduler.nextWake();
    const gen = this.nextGeneration(now);
    if (gen !== undefined && (next === undefined || gen < next)) next = gen;
    const delay =
      next === undefined ? 50 : Math.min(50, Math.max(0, Math.ceil(next - now), this.opts.timerResolutionMs - 1));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.cycle();
    }, delay);
  }

  private expireDead(now: number): void {
    const q = this.deadQueue;
    let i = 0;
    while (i < q.length && q[i]![1] <= now) {
      const [id] = q[i]!;
      const d = this.dead.get(id);
      if (d && d.expires <= now) this.dead.delete(id);
      else if (d) q.push([id, d.expires]);
      i++;
    }
    if (i > 0) q.splice(0, i);
  }

  /** Q / quitting > 11: abort every call (BYE/CANCEL as needed). */
  abortAll(): void {
    for (const call of [...this.calls.values()]) {
      this.warning(`Aborted call with Call-ID '${call.id}'`);
      call.abortCall(false);
    }
  }

  /** A fatal error: stop at once with exit code 255 (or the error's own). */
  abortRun(err: unknown): void {
    if (this.done) return;
    const e = err instanceof SippError ? err : new SippError((err as Error)?.stack ?? String(err));
    this.fatal = e;
    this.stats.add(C.FatalErrors);
    this.logs.error(e.message);
    this.end(e.exitCode);
  }

  /** -timeout reached. */
  globalTimeout(): void {
    if (this.opts.timeoutError) {
      this.abortRun(
        new SippError(`${this.scenario.fileBase} timed out after '${(this.now() / 1000).toFixed(3)}' seconds`),
      );
      return;
    }
    this.quitting = Math.max(this.quitting, 1);
    this.timeoutExit = true;
    this.kick();
  }

  private end(code: SippExitCode): void {
    if (this.done) return;
    this.done = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.finish(code);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** SIPp's exit rule for a normal end. */
  exitCode(code: SippExitCode): SippExitCode {
    if (code !== SippExit.OK) return code;
    const failed = this.stats.counters[C.FailedCall]!;
    const ok = this.stats.counters[C.SuccessfulCall]!;
    if (failed > 0) return SippExit.FAILED;
    if (this.timeoutExit && ok < 1) return SippExit.INTERNAL_COMMAND;
    return SippExit.OK;
  }
}
