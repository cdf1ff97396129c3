/**
 * One call running a scenario (SIPp's call class): sends, waits, pauses, retransmits over UDP,
 * times out, aborts with BYE/CANCEL, and ends successfully or with a failure reason counted in the
 * statistics. Receiving (receive.ts) and actions (actions.ts) act on this object; the call reaches
 * them through its engine's `callSteps` (see call-steps.ts), so nothing is installed behind its back.
 */
import { SippError } from '../errors.js';
import type { Scenario, ScenarioMessage } from '../scenario/model.js';
import { newTable, type CallVariable, type VarRef } from '../scenario/variables.js';
import { C, M } from '../stats/counters.js';
import type { Stats } from '../stats/stats.js';
import { monoUs as monoNow } from './clock.js';
import { ActionResult, RESULT_FAILURE } from './action-result.js';
import { compose } from './compose.js';
import type { Incoming } from './incoming.js';
import { newTaskState, type Task } from './scheduler.js';
import type { CallSocket, Engine, Peer } from './types.js';

export interface TxnState {
  txnId?: string;
  ackIndex: number;
  txnResp: number;
}

/** A reason a call ends: success, or a failure counter (undefined = failed, no specific reason). */
export type EndReason = 'success' | number | undefined;

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
  readonly lineNumbers: Map<string, number> | undefined;
  peerTag: string | undefined;
  recvTimeout = 0;
  sendTimeout = 0;
  timewait = false;
  deleted = false;
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
    this.vars = newTable(scenario.callVars.size);
    this.userVars = userId ? engine.generator.userTable(userId) : newTable(scenario.userVars.size);
    this.txns = scenario.transactions.map(() => ({ ackIndex: 0, txnResp: 0 }));
    const now = monoNow();
    this.startTimeRtd = scenario.rtdNames.map(() => now);
    this.rtdDone = scenario.rtdNames.map(() => false);
    if (!opts.automatic) {
      this.lineNumbers = new Map();
      for (const [name, f] of engine.injection) this.lineNumbers.set(name, f.nextLine(userId));
    }
    if (engine.trace.callDebugOn) this.debug = [];
    this.callDebug(`Starting call ${id}\n`);
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

  // ---- sending ----------------------------------------------------------------------------

  private lost(index: number): boolean {
    const e = this.engine;
    let percent = e.opts.lostPercent;
    const m = this.messages[index];
    if (m && m.lost >= 0) percent = m.lost;
    return percent > 0 && Math.random() < percent / 100;
  }

  /** Send bytes; false when the call was deleted because sending failed. */
  sendRaw(buf: Buffer, index: number): boolean {
    if (index >= 0 && this.lost(index)) {
      this.engine.trace.message(`${this.engine.transportName} message voluntary lost (while sending).`);
      this.stats.msg(index, M.Lost);
      return true;
    }
    if (!this.socket || !this.peer) throw new SippError(`Call ${this.id} has no socket or destination`);
    this.callDebug(`Sending message for call ${this.id} (index ${index}):\n${buf.toString('latin1')}\n\n`);
    if (!this.socket.send(buf, this.peer)) {
      this.count(C.FailedCall);
      this.count(C.FailedCannotSendMessage);
      this.destroy(undefined, false);
      return false;
    }
    this.engine.trace.sent(buf, this.socket);
    return true;
  }

  /** A message outside the scenario (abort BYE/CANCEL/ACK, automatic 200). */
  sendDefault(id: string): void {
    const t = this.scenario.defaultMessages.get(id)!;
    const text = compose(this, t, id === 'ack' && this.lastRecvIsError() ? -2 : -1);
    if (this.sendRaw(Buffer.from(text, 'latin1'), -1)) return;
    // SIPp's sendBuffer: with -sendbuffer_warn the failure is fatal, else a warning.
    if (this.engine.opts.sendBufferWarn) throw new SippError('Error sending raw message');
    this.engine.warning('Error sending raw message');
  }

  private lastRecvIsError(): boolean {
    return (this.lastRecv?.code ?? 0) >= 400;
  }

  /** Build and send scenario message `index`; undefined when the call died. */
  sendScene(index: number): Buffer | undefined {
    const m = this.messages[index]!;
    const text = compose(this, m.send!, index);
    const buf = Buffer.from(text, 'latin1');
    if (m.send!.isAck) {
      this.callEstablished = true;
      this.ackIsPending = false;
    }
    return this.sendRaw(buf, index) ? buf : undefined;
  }

  // ---- the state machine ------------------------------------------------------------------

  run(): void {
    if (this.deleted) return;
    const now = this.engine.now();
    if (this.msgIndex >= this.messages.length)
      throw new SippError(`Scenario overrun for call ${this.id} (index = ${this.msgIndex})`);
    const cur = this.messages[this.msgIndex]!;
    if (cur.condexec) {
      let exec = this.getVar(cur.condexec).isSet();
      if (cur.condexecInverse) exec = !exec;
      if (!exec) {
        this.next();
        return;
      }
    }
    if (this.nextRetrans && this.nextRetrans < now && !this.retransmit(now)) return;
    if (this.pausedUntil) {
      if (this.pausedUntil > now) {
        this.setPaused();
        return;
      }
      this.pausedUntil = 0;
      this.next();
      return;
    }
    if (cur.pause || cur.pauseVariable) this.startPause(cur);
    else if (cur.kind === 'nop') this.nop(cur);
    else if (cur.kind === 'send') this.sendMessage(cur);
    else if (cur.kind === 'recv') this.waitForMessage(cur);
  }

  /**
   * UDP retransmission of the last message sent (RFC 3261 §17.1.1.2 timer A, §17.1.2.2 timer E:
   * the interval doubles, capped at T2 for non-INVITE). After the -max_*retrans limit: the
   * ontimeout label of the message, or the call fails. False when the call must not go on.
   */
  private retransmit(now: number): boolean {
    const e = this.engine;
    this.nbRetrans++;
    const invite = this.lastSendIsInvite;
    const allowed = Math.min(invite ? e.opts.maxInviteRetrans : e.opts.maxNonInviteRetrans, e.opts.maxUdpRetrans);
    if (this.nbRetrans > allowed) {
      this.stats.msg(this.lastSendIndex, M.Timeout);
      const target = this.messages[this.lastSendIndex]!.onTimeout;
      if (target >= 0) {
        e.warning(
          `Call-Id: ${this.id}, timeout on max UDP retrans for message ${this.msgIndex}, jumping to label ${target} `,
        );
        this.msgIndex = target;
        this.nextRetrans = 0;
        this.recvTimeout = 0;
        if (this.msgIndex < this.messages.length) return false;
      } else if (e.opts.defaultBehaviors & 1)
        e.warning(`Aborting call on UDP retransmission timeout for Call-ID '${this.id}'`);
      this.count(C.FailedCall);
      this.count(C.FailedMaxUDPRetrans);
      this.failAndAbort();
      return false;
    }
    this.nbLastDelay *= 2;
    if (e.opts.t2Ms < this.nbLastDelay && !invite) this.nbLastDelay = e.opts.t2Ms;
    if (!this.sendRaw(this.lastSendMsg!, this.lastSendIndex)) return false;
    this.stats.msg(this.lastSendIndex, M.SentRetrans);
    this.count(C.Retransmissions);
    this.nextRetrans = now + this.nbLastDelay;
    return true;
  }

  /** Abort after a failure was counted: send BYE/CANCEL when the bye behaviour is on. */
  failAndAbort(): void {
    if (this.engine.opts.defaultBehaviors & 1) this.abortCall(true);
    else this.destroy(undefined, false);
  }

  /** <pause>: a fixed, distributed or variable time (ms); the message's actions run at its start. */
  private startPause(cur: ScenarioMessage): void {
    let pause: number;
    if (cur.pause) {
      const v = cur.pause.sample();
      pause = v < 1 ? 0 : Math.trunc(v);
    } else pause = Math.trunc(this.getVar(cur.pauseVariable!).getDouble());
    if (pause > 2147483647) pause = 2147483647;
    this.pausedUntil = this.engine.now() + pause;
    this.timewait = cur.timewait;
    this.stats.msg(cur.index, M.Sessions);
    this.doBookkeeping(cur);
    this.engine.callSteps.executeActions(this, undefined, cur);
    if (this.deleted) return;
    this.setPaused();
  }

  /** <nop>: only actions. */
  private nop(cur: ScenarioMessage): void {
    this.doBookkeeping(cur);
    this.engine.callSteps.executeActions(this, undefined, cur);
    if (!this.deleted) this.next();
  }

  /** <send>: compose and send; remember it for retransmission and transactions; run its actions. */
  private sendMessage(cur: ScenarioMessage): void {
    const e = this.engine;
    if (this.nextRetrans) {
      // The previous message is still retransmitted (not answered yet).
      this.setPaused();
      return;
    }
    this.doBookkeeping(cur);
    const t = cur.send!;
    if (!t.isAck && !t.isCancel && !t.isResponse) this.cseq++;
    if (!this.socket) this.socket = e.socketForCall();
    const buf = this.sendScene(this.msgIndex);
    if (!buf) return;
    this.sendTimeout = 0;
    this.lastSendIndex = cur.index;
    this.lastSendMsg = buf;
    this.lastSendIsInvite = t.method === 'INVITE';
    if (cur.startTxn) {
      const via = /\r\n(?:Via|v)\s*:[^\r\n]*;branch=([^;,\s]*)/i.exec(buf.toString('latin1'));
      this.txns[cur.startTxn - 1]!.txnId = via ? via[1] : '';
    }
    if (cur.ackTxn) this.txns[cur.ackTxn - 1]!.ackIndex = cur.index;
    if (this.lastRecvIndex >= 0) {
      // A retransmission of the message just received gets this one again.
      this.recvRetransHash = this.lastRecvHash;
      this.recvRetransRecvIndex = this.lastRecvIndex;
      this.recvRetransSendIndex = cur.index;
      this.lastRecvHash = 0;
    }
    if (cur.retransDelay) {
      if (e.transportName === 'UDP' && e.opts.retransEnabled) {
        this.nextRetrans = e.now() + cur.retransDelay;
        this.nbRetrans = 0;
        this.nbLastDelay = cur.retransDelay;
      }
    } else this.nextRetrans = 0;
    e.callSteps.executeActions(this, undefined, cur);
    if (this.deleted) return;
    this.stats.msg(cur.index, M.Sent);
    this.next();
  }

  /** <recv>: take a queued message, or wait (with the message's or -recv_timeout's timer). */
  private waitForMessage(cur: ScenarioMessage): void {
    const e = this.engine;
    if (this.queuedMsg) {
      const q = this.queuedMsg;
      this.queuedMsg = undefined;
      e.callSteps.receive(this, q);
      return;
    }
    if (this.recvTimeout) {
      if (this.recvTimeout > e.now()) this.setPaused();
      else this.receiveTimedOut(cur);
      return;
    }
    const timeout = cur.timeout || e.opts.recvTimeoutMs;
    if (timeout) {
      this.recvTimeout = e.now() + timeout;
      return;
    }
    this.setPaused();
  }

  /** The <recv> timer fired: jump to the ontimeout label, or fail the call. */
  private receiveTimedOut(cur: ScenarioMessage): void {
    const e = this.engine;
    this.recvTimeout = 0;
    this.stats.msg(cur.index, M.Timeout);
    if (cur.onTimeout < 0) {
      e.warning(
        `Call-Id: ${this.id}, receive timeout on message ${cur.desc}:${cur.index} without label to jump to (ontimeout attribute): aborting call`,
      );
    } else {
      e.warning(
        `Call-Id: ${this.id}, receive timeout on message ${cur.desc}:${cur.index}, jumping to label ${cur.onTimeout}`,
      );
      this.msgIndex = cur.onTimeout;
      if (this.msgIndex < this.messages.length) return;
    }
    this.count(C.FailedCall);
    this.count(C.FailedTimeoutOnRecv);
    this.failAndAbort();
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

  doBookkeeping(m: ScenarioMessage): void {
    if (this.initCall) return;
    if (m.counter) this.stats.generic[m.counter - 1]!++;
    if (m.startRtd) this.startTimeRtd[m.startRtd - 1] = monoNow();
    if (m.stopRtd) {
      const i = m.stopRtd - 1;
      if (!this.rtdDone[i]) {
        const end = monoNow();
        const start = this.startTimeRtd[i]!;
        this.stats.responseTime(m.stopRtd, end - start);
        this.engine.rttSample(end, end - start, m.stopRtd);
        if (!m.repeatRtd) this.rtdDone[i] = true;
      }
    }
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
        if (recv && recv.code >= 400) this.sendDefault('ack');
        else if (recv) {
          if (this.ackIsPending) {
            this.ackIsPending = false;
            this.sendDefault('ack');
            if (!this.deleted) this.sendDefault('bye');
          } else this.sendDefault('cancel');
        }
      } else if (this.lastRecv) this.sendDefault('bye');
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
    if (this.userId) e.freeUser(this.userId);
    e.calls.remove(this.id, keepDead ? deadReason : undefined, this.initCall);
  }
}
