/**
 * What a call does when the scheduler runs it (SIPp's call::run): the message at its index decides
 * — a <pause>, a <nop>, a <send>, a <sendCmd>, or waiting at a <recv> or <recvCmd> — after UDP retransmission of the last
 * message sent and the timers. Statistics bookkeeping of a message (counter, rtd) is here too, as
 * receive.ts does it on the same terms for a <recv>.
 */
import { SippError } from '../errors.js';
import type { ScenarioMessage } from '../scenario/model.js';
import { C, M } from '../stats/counters.js';
import type { Call } from './call.js';
import { sendCommand } from './call-commands.js';
import { sendRaw, sendScene } from './call-send.js';
import { monoUs as monoNow } from './clock.js';

export function runCall(call: Call): void {
  if (call.deleted) return;
  const now = call.engine.now();
  if (call.msgIndex >= call.messages.length)
    throw new SippError(`Scenario overrun for call ${call.id} (index = ${call.msgIndex})`);
  const cur = call.messages[call.msgIndex]!;
  if (cur.condexec) {
    let exec = call.getVar(cur.condexec).isSet();
    if (cur.condexecInverse) exec = !exec;
    if (!exec) {
      call.next();
      return;
    }
  }
  if (call.nextRetrans && call.nextRetrans < now && !retransmit(call, now)) return;
  if (call.pausedUntil) {
    if (call.pausedUntil > now) {
      call.setPaused();
      return;
    }
    call.pausedUntil = 0;
    call.next();
    return;
  }
  if (cur.pause || cur.pauseVariable) startPause(call, cur);
  else if (cur.kind === 'nop') nop(call, cur);
  else if (cur.kind === 'send') sendMessage(call, cur);
  else if (cur.kind === 'recv' || cur.kind === 'recvCmd') waitForMessage(call, cur);
  else if (cur.kind === 'sendCmd') sendCommand(call, cur);
}

/**
 * UDP retransmission of the last message sent (RFC 3261 §17.1.1.2 timer A, §17.1.2.2 timer E:
 * the interval doubles, capped at T2 for non-INVITE). After the -max_*retrans limit: the
 * ontimeout label of the message, or the call fails. False when the call must not go on.
 */
function retransmit(call: Call, now: number): boolean {
  const e = call.engine;
  call.nbRetrans++;
  const invite = call.lastSendIsInvite;
  const allowed = Math.min(invite ? e.opts.maxInviteRetrans : e.opts.maxNonInviteRetrans, e.opts.maxUdpRetrans);
  if (call.nbRetrans > allowed) {
    call.stats.msg(call.lastSendIndex, M.Timeout);
    const target = call.messages[call.lastSendIndex]!.onTimeout;
    if (target >= 0) {
      e.warning(
        `Call-Id: ${call.id}, timeout on max UDP retrans for message ${call.msgIndex}, jumping to label ${target} `,
      );
      call.msgIndex = target;
      call.nextRetrans = 0;
      call.recvTimeout = 0;
      if (call.msgIndex < call.messages.length) return false;
    } else if (e.opts.defaultBehaviors & 1)
      e.warning(`Aborting call on UDP retransmission timeout for Call-ID '${call.id}'`);
    call.count(C.FailedCall);
    call.count(C.FailedMaxUDPRetrans);
    call.failAndAbort();
    return false;
  }
  call.nbLastDelay *= 2;
  if (e.opts.t2Ms < call.nbLastDelay && !invite) call.nbLastDelay = e.opts.t2Ms;
  if (!sendRaw(call, call.lastSendMsg!, call.lastSendIndex)) return false;
  call.stats.msg(call.lastSendIndex, M.SentRetrans);
  call.count(C.Retransmissions);
  call.nextRetrans = now + call.nbLastDelay;
  return true;
}

/** <pause>: a fixed, distributed or variable time (ms); the message's actions run at its start. */
function startPause(call: Call, cur: ScenarioMessage): void {
  let pause: number;
  if (cur.pause) {
    const v = cur.pause.sample();
    pause = v < 1 ? 0 : Math.trunc(v);
  } else pause = Math.trunc(call.getVar(cur.pauseVariable!).getDouble());
  if (pause > 2147483647) pause = 2147483647;
  call.pausedUntil = call.engine.now() + pause;
  call.timewait = cur.timewait;
  call.stats.msg(cur.index, M.Sessions);
  doBookkeeping(call, cur);
  call.engine.callSteps.executeActions(call, undefined, cur);
  if (call.deleted) return;
  call.setPaused();
}

/** <nop>: only actions. */
function nop(call: Call, cur: ScenarioMessage): void {
  doBookkeeping(call, cur);
  call.engine.callSteps.executeActions(call, undefined, cur);
  if (!call.deleted) call.next();
}

/** <send>: compose and send; remember it for retransmission and transactions; run its actions. */
function sendMessage(call: Call, cur: ScenarioMessage): void {
  const e = call.engine;
  if (call.nextRetrans) {
    // The previous message is still retransmitted (not answered yet).
    call.setPaused();
    return;
  }
  doBookkeeping(call, cur);
  const t = cur.send!;
  if (!t.isAck && !t.isCancel && !t.isResponse) call.cseq++;
  if (!call.socket) call.socket = e.socketForCall();
  const buf = sendScene(call, call.msgIndex);
  if (!buf) return;
  call.sendTimeout = 0;
  call.lastSendIndex = cur.index;
  call.lastSendMsg = buf;
  call.lastSendIsInvite = t.method === 'INVITE';
  rememberSent(call, cur, buf);
  if (cur.retransDelay) {
    if (e.transportName === 'UDP' && e.opts.retransEnabled) {
      call.nextRetrans = e.now() + cur.retransDelay;
      call.nbRetrans = 0;
      call.nbLastDelay = cur.retransDelay;
    }
  } else call.nextRetrans = 0;
  e.callSteps.executeActions(call, undefined, cur);
  if (call.deleted) return;
  call.stats.msg(cur.index, M.Sent);
  call.next();
}

/** The transaction a <send> starts or ACKs, and the answer to a retransmission of what it answers. */
function rememberSent(call: Call, cur: ScenarioMessage, buf: Buffer): void {
  if (cur.startTxn) {
    const via = /\r\n(?:Via|v)\s*:[^\r\n]*;branch=([^;,\s]*)/i.exec(buf.toString('latin1'));
    call.txns[cur.startTxn - 1]!.txnId = via ? via[1] : '';
  }
  if (cur.ackTxn) call.txns[cur.ackTxn - 1]!.ackIndex = cur.index;
  if (call.lastRecvIndex >= 0) {
    // A retransmission of the message just received gets this one again.
    call.recvRetransHash = call.lastRecvHash;
    call.recvRetransRecvIndex = call.lastRecvIndex;
    call.recvRetransSendIndex = cur.index;
    call.lastRecvHash = 0;
  }
}

/** <recv>: take a queued message, or wait (with the message's or -recv_timeout's timer). */
function waitForMessage(call: Call, cur: ScenarioMessage): void {
  const e = call.engine;
  if (call.queuedMsg) {
    const q = call.queuedMsg;
    call.queuedMsg = undefined;
    e.callSteps.receive(call, q);
    return;
  }
  if (call.recvTimeout) {
    if (call.recvTimeout > e.now()) call.setPaused();
    else receiveTimedOut(call, cur);
    return;
  }
  const timeout = cur.timeout || e.opts.recvTimeoutMs;
  if (timeout) {
    call.recvTimeout = e.now() + timeout;
    return;
  }
  call.setPaused();
}

/** The <recv> timer fired: jump to the ontimeout label, or fail the call. */
function receiveTimedOut(call: Call, cur: ScenarioMessage): void {
  const e = call.engine;
  call.recvTimeout = 0;
  call.stats.msg(cur.index, M.Timeout);
  if (cur.onTimeout < 0) {
    e.warning(
      `Call-Id: ${call.id}, receive timeout on message ${cur.desc}:${cur.index} without label to jump to (ontimeout attribute): aborting call`,
    );
  } else {
    e.warning(
      `Call-Id: ${call.id}, receive timeout on message ${cur.desc}:${cur.index}, jumping to label ${cur.onTimeout}`,
    );
    call.msgIndex = cur.onTimeout;
    if (call.msgIndex < call.messages.length) return;
  }
  call.count(C.FailedCall);
  call.count(C.FailedTimeoutOnRecv);
  call.failAndAbort();
}

/** A message's counter and response-time durations (not for the init call). */
export function doBookkeeping(call: Call, m: ScenarioMessage): void {
  if (call.initCall) return;
  if (m.counter) call.stats.generic[m.counter - 1]!++;
  if (m.startRtd) call.startTimeRtd[m.startRtd - 1] = monoNow();
  if (m.stopRtd) {
    const i = m.stopRtd - 1;
    if (!call.rtdDone[i]) {
      const end = monoNow();
      const start = call.startTimeRtd[i]!;
      call.stats.responseTime(m.stopRtd, end - start);
      call.engine.rttSample(end, end - start, m.stopRtd);
      if (!m.repeatRtd) call.rtdDone[i] = true;
    }
  }
}
