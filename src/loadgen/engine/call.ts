/**
 * One call running a scenario (SIPp's call class): sends, waits, pauses, retransmits over UDP,
 * times out, aborts with BYE/CANCEL, and ends successfully or with a failure reason counted in the
 * statistics. Receiving (receive.ts) and actions (actions.ts) act on this object; the call reaches
 * them through its engine's `callSteps` (see call-steps.ts), so nothing is installed behind its back.
 * Here: the call's state, moving on, and its end; what a run does at each kind of message is
 * call-run.ts's, sending call-send.ts's.
 */
import { CallMedia } from '../media/call-media.js';
import type { Scenario, ScenarioMessage } from '../scenario/model.js';
import { newTable, type CallVariable, type VarRef } from '../scenario/variables.js';
import { C } from '../stats/counters.js';
import type { Stats } from '../stats/stats.js';
import { monoUs as monoNow } from './clock.js';
import { ActionResult, RESULT_FAILURE } from './action-result.js';
import { runCall } from './call-run.js';
import { sendDefault } from './call-send.js';
import type { Incoming } from './incoming.js';
import { newTaskState, type Task } from './scheduler.js';
import type { CallSocket, Engine, Peer } from './types.js';

export interface TxnState {
  txnId?: string;
  ackIndex: number;
  txnResp: number;
}

/** Shared by calls whose scenario has no transactions or RTDs, never written to (length 0). */
const NONE: never[] = [];
const NO_LINES: ReadonlyMap<string, number> = new Map();

/** A reason a call ends: success, or a failure counter (undefined = failed, no specific reason). */
export type EndReason = 'success' | number | undefined;

/**
 * A call's RTD start times (all "now") and done flags, filled by a loop: Array.prototype.fill is a
 * runtime builtin, and new Array(n) alone leaves a holey array (SIPp's per-call rtd arrays).
 */
function rtdStarts(n: number): number[] {
  const now = monoNow();
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(now);
  return a;
}

function rtdFlags(n: number): boolean[] {
  const a: boolean[] = [];
  for (let i = 0; i < n; i++) a.push(false);
  return a;
}

export class Call implements Task {
  readonly sched = newTaskState();
  readonly messages: ScenarioMessage[];
  readonly stats: Stats;
  msgIndex = 0;
  lastSendIndex = 0;
  lastSendMsg: Buffer | undefined;
  lastSendIsInvite = false;
  lastRecvHash = 0;
  lastRecvIndex = -1;
  lastRecv: Incoming | undefined;
  recvRetransHash = 0;
  recvRetransRecvIndex = -1;
  recvRetransSendIndex = -1;
  dialogRouteSet: string | undefined;
  nextReqUrl: string | undefined;
  cseq: number;
  nextRetrans = 0;
  nbRetrans = 0;
  nbLastDelay = 0;
  pausedUntil = 0;
  readonly startTime: number;
  callEstablished = false;
  ackIsPending = false;
  queuedMsg: Incoming | undefined;
  dialogAuthentication: string | undefined;
  dialogChallengeType = 0;
  nextNonceCount = 1;
  socket: CallSocket | undefined;
  peer: Peer | undefined;
  readonly vars: CallVariable[];
  readonly userVars: CallVariable[];
  readonly txns: TxnState[];
  readonly startTimeRtd: number[];
  readonly rtdDone: boolean[];
  lastActionResult = ActionResult.NoError;
  readonly lineNumbers: ReadonlyMap<string, number> | undefined;
  peerTag: string | undefined;
  recvTimeout = 0;
  sendTimeout = 0;
  timewait = false;
  deleted = false;
  /** RTP of the call (pcap play, rtp_stream, the peer's SDP), once it has any. */
  private mediaState: CallMedia | undefined;
  /** Text of the call's messages, for -trace_calldebug. */
  debug: string[] | undefined;

  constructor(
    readonly engine: Engine,
    readonly scenario: Scenario,
    readonly id: string,
    readonly number: number,
    readonly userId: number,
    opts: { socket?: CallSocket; peer?: Peer; automatic?: boolean; initCall?: boolean; stats: Stats },
  ) {
    this.initCall = opts.initCall ?? false;
    this.messages = this.initCall ? scenario.initMessages : scenario.messages;
    this.stats = opts.stats;
    this.socket = opts.socket;
    this.peer = opts.peer;
    this.startTime = engine.now();
    this.cseq = engine.opts.baseCseq;
    this.vars = scenario.callVars.size ? newTable(scenario.callVars.size) : NONE;
    this.userVars = userId
      ? engine.generator.userTable(userId)
      : scenario.userVars.size
        ? newTable(scenario.userVars.size)
        : NONE;
    this.txns = scenario.transactions.length ? scenario.transactions.map(() => ({ ackIndex: 0, txnResp: 0 })) : NONE;
    const rtds = scenario.rtdNames.length;
    this.startTimeRtd = rtds ? rtdStarts(rtds) : NONE;
    this.rtdDone = rtds ? rtdFlags(rtds) : NONE;
    if (!opts.automatic) {
      // Without -inf files every call shares one empty table (a Map per call costs at high rates).
      if (engine.injection.size) {
        const lines = new Map<string, number>();
        for (const [name, f] of engine.injection) lines.set(name, f.nextLine(userId));
        this.lineNumbers = lines;
      } else this.lineNumbers = NO_LINES;
    }
    if (engine.trace.callDebugOn) this.debug = [`Starting call ${id}\n`];
  }

  readonly initCall: boolean;

  wake(): number {
    if (this.deleted) return 0;
    let wake = this.pausedUntil;
    if (this.nextRetrans && (!wake || this.nextRetrans < wake)) wake = this.nextRetrans;
    if (this.recvTimeout && (!wake || this.recvTimeout < wake)) wake = this.recvTimeout;
    return wake;
  }

  setRunning(): void {
    this.engine.scheduler.setRunning(this);
  }

  setPaused(): void {
    this.engine.scheduler.setPaused(this);
  }

  receive(inc: Incoming): void {
    if (!this.deleted) this.engine.callSteps.receive(this, inc);
  }

  getVar(ref: VarRef): CallVariable {
    return ref.scope === 2
      ? this.vars[ref.slot]!
      : ref.scope === 1
        ? this.userVars[ref.slot]!
        : this.engine.globals[ref.slot]!;
  }

  localPort(): number {
    const e = this.engine;
    return e.opts.multiSocket && this.scenario.mode === 'client' && this.socket ? this.socket.localPort : e.local.port;
  }

  /** The call's media state (undefined when the run has no RTP sockets). */
  media(): CallMedia | undefined {
    const rtp = this.engine.rtp;
    if (!rtp || this.deleted) return undefined;
    return (this.mediaState ??= new CallMedia(rtp, (t) => this.engine.warning(t)));
  }

  callDebug(text: string): void {
    if (this.debug) this.debug.push(text);
  }

  count(id: number, n = 1): void {
    if (!this.initCall) this.stats.add(id, n);
  }

  // ---- helpers for keywords -------------------------------------------------------------

  lastRequestUri(): string {
    const to = this.lastRecv?.header('To:') ?? '';
    const lt = to.indexOf('<');
    const gt = to.indexOf('>');
    if (lt < 0 || gt < 0 || gt < lt) return '';
    return to.slice(lt + 1, gt);
  }

  lastCseqNumber(): number {
    const h = this.lastRecv?.header('CSeq:') ?? '';
    return h ? parseInt(h.slice(5).trim(), 10) || 0 : 0;
  }

  // ---- moving on and ending ----------------------------------------------------------------

  run(): void {
    runCall(this);
  }

  /** Abort after a failure was counted: send BYE/CANCEL when the bye behaviour is on. */
  failAndAbort(): void {
    if (this.engine.opts.defaultBehaviors & 1) this.abortCall(true);
    else this.destroy(undefined, false);
  }

  /** Move to the next message (or the `next` label); ends the call after the last one. */
  next(): boolean {
    let idx = this.msgIndex + 1;
    const cur = this.msgIndex >= 0 ? this.messages[this.msgIndex] : undefined;
    if (cur && cur.next >= 0 && (!cur.test || this.getVar(cur.test).isSet())) {
      if (cur.chance <= 0 || Math.random() > cur.chance) idx = cur.next;
    }
    this.msgIndex = idx;
    this.recvTimeout = 0;
    if (this.msgIndex >= this.messages.length) {
      this.terminate('success');
      return false;
    }
    return true;
  }

  /** The call ends: count success or failure (SIPp's terminate). */
  terminate(reason: EndReason): void {
    let dead: string;
    const failure = RESULT_FAILURE[this.lastActionResult];
    if (this.lastActionResult !== ActionResult.NoError && this.lastActionResult !== ActionResult.StopCall && failure) {
      this.count(C.FailedCall);
      this.count(failure[0]);
      dead = `${failure[1]} at index ${this.msgIndex}`;
    } else if (this.lastActionResult !== ActionResult.NoError) {
      dead = 'successful';
    } else if (reason === 'success' || this.timewait) {
      this.count(C.SuccessfulCall);
      dead = 'successful';
    } else {
      this.count(C.FailedCall);
      if (typeof reason === 'number') this.count(reason);
      dead = `failed at index ${this.msgIndex}`;
    }
    this.destroy(dead, true);
  }

  /** SIPp's abortCall: BYE, CANCEL or ACK as the dialog state needs, then delete. */
  abortCall(writeLog: boolean): void {
    const e = this.engine;
    const isInvite = this.lastSendMsg !== undefined && this.lastSendIsInvite;
    if (this.scenario.mode !== 'server' && this.msgIndex > 0) {
      if (!this.callEstablished && isInvite) {
        const recv = this.lastRecv;
        if (recv && recv.code >= 400) sendDefault(this, 'ack');
        else if (recv) {
          if (this.ackIsPending) {
            this.ackIsPending = false;
            sendDefault(this, 'ack');
            if (!this.deleted) sendDefault(this, 'bye');
          } else sendDefault(this, 'cancel');
        }
      } else if (this.lastRecv) sendDefault(this, 'bye');
    }
    if (this.deleted) return;
    if (writeLog && this.debug)
      e.trace.callDebug(`Call debugging information for call ${this.id}:\n${this.debug.join('')}`);
    this.destroy(`aborted at index ${this.msgIndex}`, true);
  }

  /**
   * Remove the call. `deadReason` keeps its Call-ID as a dead call (SIPp creates a deadcall in
   * terminate/abortCall only). Failure counters must already be counted.
   */
  destroy(deadReason: string | undefined, keepDead: boolean): void {
    if (this.deleted) return;
    this.deleted = true;
    const e = this.engine;
    e.scheduler.remove(this);
    if (!this.initCall) {
      this.stats.callLength(e.now() - this.startTime);
      this.stats.current--;
    }
    if (this.socket?.perCall) this.socket.close();
    this.mediaState?.close();
    if (this.userId) e.freeUser(this.userId);
    e.calls.remove(this.id, keepDead ? deadReason : undefined, this.initCall);
  }
}
