/**
 * One siptest run (SIPp's main loop and globals): the scheduling cycle, new calls from the rate
 * generator or from incoming requests, out-of-call handling, the quit rules and the exit code.
 * Its families live beside it: the call table and dead calls (call-table.ts), pacing and users
 * (generator.ts), call numbering (call-ids.ts), traces (trace.ts); what it is built from in
 * runtime-options.ts.
 */
import { SippError, SippExit, type SippExitCode } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';
import type { MediaSockets } from '../media/media-sockets.js';
import type { Scenario } from '../scenario/model.js';
import { newTable, type CallVariable } from '../scenario/variables.js';
import { C } from '../stats/counters.js';
import { Stats } from '../stats/stats.js';
import { Call } from './call.js';
import { CallIds } from './call-ids.js';
import { scenarioSteps, type CallSteps } from './call-steps.js';
import { CallTable } from './call-table.js';
import { clockMs, nowUs } from './clock.js';
import { CallGenerator } from './generator.js';
import { Incoming } from './incoming.js';
import type { InjectionFile } from './injection.js';
import type { Logs } from './logs.js';
import { Scheduler } from './scheduler.js';
import { RunTrace } from './trace.js';
import type { CallSocket, Engine, Peer, TwinChannel } from './types.js';
import { receiveCommand } from './call-commands.js';
import { commandCallId } from '../twin/command-text.js';

/** What a 3PCC role changes in the run (SIPp's thirdPartyMode tests in socket.cpp). */
export interface TwinRoleRules {
  /** Unknown Call-IDs, from the twin or from SIP, start calls (B, passive A, passive master, slave). */
  createsCalls: boolean;
  /** The twin closing forces the end (quitting += 20); else the run stops softly (quitting = 1). */
  forceQuitOnClose: boolean;
  /** SIPp's warning when the twin ends, if any. */
  closeWarning?: string;
  /** The screen's bottom line for the role (SIPp's screen.cpp). */
  banner: string;
}
import { statsShape, type Addressing, type RuntimeHooks, type RuntimeOptions } from './runtime-options.js';
import type { SipTransportName } from './types.js';

export class Runtime implements Engine {
  readonly opts: RunOptions;
  readonly scenario: Scenario;
  readonly oocScenario: Scenario | undefined;
  readonly aaScenario: Scenario | undefined;
  readonly addressing: Addressing;
  readonly injection: Map<string, InjectionFile>;
  readonly logs: Logs;
  readonly transportName: SipTransportName;
  readonly callSteps: CallSteps;
  readonly rtp: MediaSockets | undefined;
  private readonly hooks: RuntimeHooks;
  readonly scheduler = new Scheduler();
  readonly stats: Stats;
  readonly globals: CallVariable[];
  readonly calls: CallTable;
  readonly generator: CallGenerator;
  readonly ids: CallIds;
  readonly trace: RunTrace;
  private readonly otherStats = new Map<Scenario, Stats>();
  /** 3PCC: the twin channel, and the role's rules (runner.ts sets them before the start). */
  twin: TwinChannel | undefined;
  twinRole: TwinRoleRules | undefined;
  quitting = 0;
  timeoutExit = false;
  stoppedNow = false;
  fatal: SippError | undefined;
  /** Set when the run is over (stops the loop). */
  done = false;
  readonly startUs = nowUs();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (clock ms). */
  private timerAt = 0;
  private immediate: NodeJS.Immediate | undefined;
  private finish!: (code: SippExitCode) => void;

  constructor(o: RuntimeOptions) {
    this.opts = o.opts;
    this.scenario = o.scenario;
    this.oocScenario = o.oocScenario;
    this.aaScenario = o.aaScenario;
    this.addressing = o.addressing;
    this.injection = o.injection;
    this.logs = o.logs;
    this.hooks = o.hooks;
    this.transportName = o.transportName;
    this.callSteps = o.callSteps ?? scenarioSteps;
    this.rtp = o.rtp;
    this.ids = new CallIds(o.opts, o.addressing.local.ip, o.numbering);
    this.trace = new RunTrace(o.logs, this.ids);
    this.calls = new CallTable(o.opts, () => this.now());
    this.stats = new Stats(statsShape(o.scenario));
    this.globals = newTable(o.scenario.globalVars.size);
    for (const [name, value] of o.opts.globals) {
      const ref = o.scenario.globalVars.find(name, false);
      if (!ref)
        throw new SippError(`Can not set the global variable ${name}, because it does not exist.`, SippExit.FAILED);
      this.globals[ref.slot]!.setString(value);
    }
    this.generator = new CallGenerator(o.opts, o.scenario, () => this.now(), o.hooks.behindMs);
  }

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

  socketForCall(): CallSocket {
    const s = this.hooks.socketForCall();
    if (!s) throw new SippError('No socket available for a new call');
    return s;
  }

  statsFor(s: Scenario): Stats {
    if (s === this.scenario) return this.stats;
    let st = this.otherStats.get(s);
    if (!st) this.otherStats.set(s, (st = new Stats(statsShape(s))));
    return st;
  }

  warning(text: string): void {
    this.stats.add(C.Warnings);
    this.logs.error(text);
  }

  freeUser(userId: number): void {
    this.generator.freeUser(userId, this.stats.current);
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

  /** -users at run time (control socket "cset users N", + - * / keys). */
  setUsers(n: number): void {
    this.generator.setUsers(n);
    this.kick();
  }

  setRate(rate: number): void {
    this.generator.setRate(rate);
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
    const callId = this.ids.trim(inc.callId);
    if (callId === '') {
      this.warning('SIP message without Call-ID discarded');
      return;
    }
    this.trace.received(buf, inc, socket);
    let call = this.calls.get(callId);
    if (!call) {
      const dead = this.calls.touchDead(callId);
      if (dead) {
        this.stats.add(C.DeadCallMsgs);
        this.warning(`Dead call ${callId} (${dead.reason}), received '${inc.text}'`);
        this.trace.message(
          `-----------------------------------------------\nDead call ${callId} received a ${this.transportName} message:\n\n${inc.text}\n`,
        );
        return;
      }
      call = this.twinRole?.createsCalls ? this.newTwinCall(callId) : this.newCallFor(inc, callId, from, socket);
      if (!call) return;
    }
    if (!call.peer) call.peer = from;
    call.receive(inc);
    this.runReceived(call);
  }

  /**
   * SIPp's process_incoming moves on with call::next(), which runs the call at once: the answer to
   * a message leaves while handling it, not one loop turn later (a cycle per datagram cost more
   * than the call's own work). Bounded like a cycle's turn; what is left runs in the next cycle,
   * which also runs when an ended call changes what the loop does next: the run may be over
   * (quitting), or -users opens the next call. In rate mode the generator keeps its own timer, so
   * an ended call needs no cycle of its own (it cost a loop turn per call: 5,000 calls at 1,000/s
   * polled 8,392 times with it, 4,968 without).
   */
  private runReceived(call: Call): void {
    let steps = 0;
    while (call.sched.running && !call.sched.dead && steps++ < 16 && !this.done) call.run();
    if (!call.sched.running) this.scheduler.forgetIfLast(call);
    const ended = call.deleted && this.opts.users >= 0;
    if (this.scheduler.runningCount > 0 || ended || this.quitting) this.kick();
    // Handled without a cycle, as in one turn of SIPp's loop (its scheduling_loops counts them).
    else this.scheduler.loops++;
  }

  /** A message for no known call starts one: the main scenario (server), -oocsn or -aa. */
  private newCallFor(inc: Incoming, callId: string, from: Peer, socket: CallSocket): Call | undefined {
    const scenario = this.scenarioForNewCall(inc);
    if (!scenario) return undefined;
    const automatic = scenario !== this.scenario;
    const stats = this.statsFor(scenario);
    stats.callCreated(true, this.now());
    if (automatic) this.stats.add(C.AutoAnswered);
    const peer = (this.opts.remoteSendingAddress ? this.destination : undefined) ?? from;
    const n = automatic ? 0 : this.ids.takeNumber();
    const call = new Call(this, scenario, callId, n, 0, { socket, peer, automatic, stats });
    this.calls.add(callId, call);
    return call;
  }

  // ---- 3PCC ---------------------------------------------------------------------------------

  /** A command arrived from a twin (SIPp's process_message for a control socket). */
  receiveCommand(text: string): void {
    if (this.done) return;
    try {
      this.receiveCommandUnsafe(text);
    } catch (err) {
      this.abortRun(err);
    }
  }

  private receiveCommandUnsafe(text: string): void {
    const callId = this.ids.trim(commandCallId(text));
    if (callId === '') {
      this.warning('SIP message without Call-ID discarded');
      return;
    }
    this.trace.message(`----------------------------------------------- \nTCP control message received:\n\n${text}\n`);
    let call = this.calls.get(callId);
    if (!call) {
      // SIPp's deadcall only traces a command for a call that has ended.
      if (this.calls.touchDead(callId)) return;
      if (!this.twinRole?.createsCalls) {
        this.stats.add(C.OutOfCallMsgs);
        this.warning(`Discarding message which can't be mapped to a known SIPp call:\n${text}`);
        return;
      }
      call = this.newTwinCall(callId);
    }
    receiveCommand(call, text);
    this.runReceived(call);
  }

  /**
   * A call started by a message with an unknown Call-ID in the B, passive and slave roles: SIPp
   * counts it as outgoing and sends to the remote host (or -rsa), whatever the message came on.
   */
  private newTwinCall(callId: string): Call {
    this.stats.callCreated(false, this.now());
    const n = this.ids.takeNumber();
    const call = new Call(this, this.scenario, callId, n, 0, {
      socket: this.socketForCall(),
      peer: this.destination,
      stats: this.stats,
    });
    this.calls.add(callId, call);
    return call;
  }

  /** A twin connection closed (SIPp's read_error on a control socket). */
  twinClosed(): void {
    if (this.done || !this.twinRole) return;
    if (this.twinRole.closeWarning) this.warning(this.twinRole.closeWarning);
    if (this.twinRole.forceQuitOnClose) this.quitting += 20;
    else this.quitting = Math.max(this.quitting, 1);
    this.kick();
  }

  /** The scenario for a new incoming call, or undefined when the message is discarded (counted). */
  private scenarioForNewCall(inc: Incoming): Scenario | undefined {
    if (this.scenario.mode === 'server') {
      if (this.quitting < 1) return this.scenario;
      this.stats.add(C.OutOfCallMsgs);
      this.trace.message('Discarded message for new calls while quitting\n');
      return undefined;
    }
    if (this.oocScenario) {
      if (inc.isResponse) {
        this.stats.add(C.OutOfCallMsgs);
        return undefined;
      }
      this.warning(`Received out-of-call ${inc.method} message, using the out-of-call scenario`);
      return this.oocScenario;
    }
    const m = inc.method;
    if (
      this.opts.autoAnswer &&
      this.aaScenario &&
      (m === 'INFO' || m === 'NOTIFY' || m === 'OPTIONS' || m === 'UPDATE')
    )
      return this.aaScenario;
    this.stats.add(C.OutOfCallMsgs);
    this.warning(`Discarding message which can't be mapped to a known SIPp call:\n${inc.text}`);
    return undefined;
  }

  // ---- new outgoing calls ------------------------------------------------------------------

  /** SIPp's CallGenerationTask::run: open the calls the rate (or -users) asks for. */
  private generate(now: number): void {
    if (this.quitting) return;
    this.generator.generate(now, this.stats, () => this.openCall(now));
  }

  /** One new outgoing call; false when no socket is ready for it. */
  private openCall(now: number): boolean {
    const socket = this.hooks.socketForCall();
    if (!socket) return false;
    const userId = this.generator.takeUser();
    const n = this.ids.takeNumber();
    const id = this.ids.callIdFor(n);
    this.stats.callCreated(false, now);
    const call = new Call(this, this.scenario, id, n, userId, { socket, peer: this.destination, stats: this.stats });
    this.calls.add(id, call);
    call.setRunning();
    return true;
  }

  // ---- the loop ----------------------------------------------------------------------------

  /**
   * Run the scenario `init` section, then start the loop. Resolves with the exit code.
   * `rateSince`: the clock time (ms) the call rate counts from, when earlier than now.
   */
  start(rateSince?: number): Promise<SippExitCode> {
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
      this.generator.start(rateSince);
      this.kick();
    });
  }

  /** Make sure a cycle runs soon. */
  kick(): void {
    if (this.immediate || this.done) return;
    this.immediate = setImmediate(this.onImmediate);
  }

  // One closure each for the run, not one per kick or timer (several per call at high rates).
  private readonly onImmediate = () => {
    this.immediate = undefined;
    this.cycle();
  };

  private readonly onTimer = () => {
    this.timer = undefined;
    this.cycle();
  };

  private cycle(): void {
    if (this.done) return;
    this.scheduler.loops++;
    try {
      const now = this.now();
      this.calls.expireDead(now);
      this.scheduler.expire(now);
      const tasks = this.scheduler.takeRunQueue();
      const max = Math.min(this.scheduler.taken, this.opts.maxSchedLoops);
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
    const gen = this.quitting ? undefined : this.generator.nextAt(now);
    if (gen !== undefined && (next === undefined || gen < next)) next = gen;
    const delay =
      next === undefined ? 50 : Math.min(50, Math.max(0, Math.ceil(next - now), this.opts.timerResolutionMs - 1));
    // Node fires a timer of 0 ms after 1 ms. A timer already armed for that time or earlier is
    // kept: re-arming one at every cycle (each datagram makes one) costs more than the spare
    // cycle an early timer may run (SIPp's loop also wakes up with nothing to do at times).
    const at = now + Math.max(1, delay);
    if (this.timer) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, delay);
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
