/**
 * Receiving a message in a call (SIPp's call::process_incoming): retransmission detection,
 * matching against the scenario (forward over optional <recv>s to the first mandatory one, then
 * backward over contiguous optional ones and optional="global" ones), unexpected messages and
 * default behaviours (answer an unexpected BYE/CANCEL/PING with 200, -aa), route sets and
 * challenges for later messages.
 */
import { SippError } from '../errors.js';
import { OPTIONAL_FALSE, OPTIONAL_GLOBAL, type ScenarioMessage } from '../scenario/model.js';
import { C, M } from '../stats/counters.js';
import { ActionResult } from './action-result.js';
import type { Call } from './call.js';
import { doBookkeeping } from './call-run.js';
import { sendDefault, sendRaw, sendScene } from './call-send.js';
import { messageHash, type Incoming } from './incoming.js';
import { executeActions } from './actions.js';
import { abortTwinCall } from './call-commands.js';
import { composeBytes } from './compose.js';

/** SIPp's matches_scenario for message `index`. */
export function matchesScenario(call: Call, index: number, inc: Incoming, cseqMethod: string, txn: string): boolean {
  const m = call.messages[index]!;
  if (m.recvRequest !== undefined) {
    if (inc.isResponse) return false;
    if (m.requestRegexp) {
      m.requestRegexp.lastIndex = 0;
      return m.requestRegexp.test(inc.method);
    }
    return m.recvRequest === inc.method;
  }
  if (m.recvResponse && m.recvResponse === inc.code) {
    if (m.responseTxn) {
      const t = call.txns[m.responseTxn - 1]!;
      return t.txnId !== undefined && t.txnId === txn;
    }
    if (index === 0) return true;
    return m.responseMethods !== undefined && m.responseMethods.includes(cseqMethod);
  }
  return false;
}

export function processIncoming(call: Call, inc: Incoming): void {
  const e = call.engine;
  if (call.debug)
    call.callDebug(`Processing ${inc.buf.length} byte incoming message for call-ID ${call.id}:\n${inc.text}\n\n`);
  call.setRunning();
  const cur = call.messages[call.msgIndex]!;
  if (cur.kind === 'pause' && e.opts.pauseMsgIgnore) return;
  if (inc.isResponse) e.stats.responseCode(inc.code);
  if (call.msgIndex === 0 && cur.kind === 'nop') {
    // The scenario starts with actions: run them first, then take this message.
    call.queuedMsg = inc;
    call.pausedUntil = 0;
    call.run();
    return;
  }
  if (inc.to === undefined && !processUnexpected(call, inc)) return;
  const cookie = retransmissionCookie(call, inc);
  if (cookie === undefined) return;
  if (call.scenario.hasMedia && !cur.ignoreSdp && carriesMedia(inc)) call.media()?.updateRemote(inc.text);
  let cseqMethod = '';
  let txn = '';
  if (inc.isResponse) {
    if (!inc.code && !processUnexpected(call, inc)) return;
    const tag = inc.toTag;
    if (tag !== undefined) call.peerTag = tag;
    cseqMethod = inc.cseqMethod;
    txn = inc.topBranch;
  } else if (inc.method === 'ACK') call.callEstablished = true;
  let index = searchForward(call, inc, cseqMethod, txn);
  if (index < 0) index = searchBackward(call, inc, cseqMethod, txn);
  if (index === HANDLED) return;
  if (index < 0) notInScenario(call, inc);
  else accept(call, inc, index, cookie, cseqMethod);
}

/**
 * Whether SIPp reads the peer's media address from this message: a response with a body, an
 * INVITE, ACK or PRACK (PCAPPLAY, process_incoming), or any message with an SDP body (RTP_STREAM).
 */
function carriesMedia(inc: Incoming): boolean {
  const m = inc.method;
  if (!inc.isResponse && (m === 'INVITE' || m === 'ACK' || m === 'PRACK')) return true;
  const at = inc.text.indexOf('\r\n\r\n');
  if (at < 0 || at + 4 >= inc.text.length) return false;
  return inc.isResponse || /^application\/sdp/i.test(inc.header('Content-Type:', true).trim());
}

/** The message was dealt with (a retransmission answered or ignored); nothing more to do. */
const HANDLED = -2;

/**
 * Over UDP, a retransmission of the last message received gets the last message sent again
 * (SIPp's recv_retrans_hash); undefined when it was one. Else the message's hash (0 when the
 * check is off).
 */
function retransmissionCookie(call: Call, inc: Incoming): number | undefined {
  const opts = call.engine.opts;
  if (call.engine.transportName !== 'UDP' || !opts.retransEnabled) return 0;
  const cookie = messageHash(inc, opts.rtcheck === 'loose');
  if (call.recvRetransRecvIndex >= 0 && call.recvRetransHash === cookie) {
    call.stats.msg(call.recvRetransRecvIndex, M.RecvRetrans);
    if (sendScene(call, call.recvRetransSendIndex)) {
      call.stats.msg(call.recvRetransSendIndex, M.SentRetrans);
      call.count(C.Retransmissions);
    }
    return undefined;
  }
  if (call.lastRecvIndex >= 0 && call.lastRecvHash === cookie) {
    call.stats.msg(call.lastRecvIndex, M.RecvRetrans);
    return undefined;
  }
  return cookie;
}

/** From the current message forward, over optional <recv>s, to the first one that matches. */
function searchForward(call: Call, inc: Incoming, cseqMethod: string, txn: string): number {
  for (let i = call.msgIndex; i < call.messages.length; i++) {
    if (matchesScenario(call, i, inc, cseqMethod, txn)) return i;
    if (!call.messages[i]!.optional) return -1;
  }
  return -1;
}

/**
 * Backward over the contiguous optional messages before the current one, and over
 * optional="global" ones anywhere before it. A retransmitted final response to an earlier
 * transaction is answered here (its ACK sent again) or ignored: HANDLED.
 */
function searchBackward(call: Call, inc: Incoming, cseqMethod: string, txn: string): number {
  let contig = true;
  for (let i = call.msgIndex - 1; i >= 0; i--) {
    const m = call.messages[i]!;
    if (m.optional === OPTIONAL_FALSE) contig = false;
    if (!matchesScenario(call, i, inc, cseqMethod, txn)) continue;
    if (contig || m.optional === OPTIONAL_GLOBAL) return i;
    if (m.responseTxn ? oldTransaction(call, inc, m, txn) : oldInviteResponse(call, inc, i, cseqMethod)) return HANDLED;
  }
  return -1;
}

/** A response of an earlier <recv response_txn>: re-send its ACK, or ignore it. True if handled. */
function oldTransaction(call: Call, inc: Incoming, m: ScenarioMessage, txn: string): boolean {
  const e = call.engine;
  const t = call.txns[m.responseTxn - 1]!;
  if (t.txnId !== txn) return false;
  if (inc.code >= 100 && inc.code <= 199) return true;
  if (t.ackIndex) {
    const ack = call.messages[t.ackIndex]!;
    sendRaw(call, composeFor(call, ack, t.ackIndex), -1);
    return true;
  }
  if (t.txnResp !== messageHash(inc, e.opts.rtcheck === 'loose')) return false;
  e.warning(
    `Ignoring final ${e.transportName} message for transaction ${call.scenario.transactions[m.responseTxn - 1]!.name}`,
  );
  return true;
}

/** A retransmitted response to an old INVITE: re-send the ACK that followed it. True if handled. */
function oldInviteResponse(call: Call, inc: Incoming, index: number, cseqMethod: string): boolean {
  const after = call.messages[index + 1];
  if (!inc.code || !'INVITE'.startsWith(cseqMethod) || after?.kind !== 'send' || !after.send!.isAck) return false;
  sendRaw(call, composeFor(call, after, index + 1), -1);
  return true;
}

/** No message of the scenario matches: the unexpected-message label, a default behaviour, or abort. */
function notInScenario(call: Call, inc: Incoming): void {
  const s = call.scenario;
  if (s.unexpectedJump >= 0) {
    let recursive = false;
    if (s.retaddr) {
      const v = call.getVar(s.retaddr);
      if (v.getDouble() !== 0) recursive = true;
      else v.setDouble(call.msgIndex);
    }
    if (recursive) {
      processUnexpected(call, inc);
      return;
    }
    if (s.pausedaddr) call.getVar(s.pausedaddr).setDouble(call.pausedUntil);
    call.msgIndex = s.unexpectedJump;
    call.queuedMsg = inc;
    call.pausedUntil = 0;
    call.run();
    return;
  }
  const auto = automaticMode(call, inc);
  if (auto) autoRespond(call, inc, auto);
  else processUnexpected(call, inc);
}

/** Scenario message `index` matched: actions, dialog state, then move on (unless optional). */
function accept(call: Call, inc: Incoming, index: number, cookie: number, cseqMethod: string): void {
  const m = call.messages[index]!;
  if (lostOnReceive(call, m)) {
    call.stats.msg(index, M.Lost);
    return;
  }
  if (m.responseTxn) call.txns[m.responseTxn - 1]!.txnResp = messageHash(inc, call.engine.opts.rtcheck === 'loose');
  doBookkeeping(call, m);
  call.stats.msg(index, M.Recv);
  const result = executeActions(call, inc, m);
  if (call.deleted) return;
  if (result !== ActionResult.NoError) {
    call.lastActionResult = result;
    if (result === ActionResult.StopCall) {
      call.count(C.FailedCall);
      call.count(C.FailedCallRejected);
      call.destroy(undefined, false);
      return;
    }
    if (result === ActionResult.ConnectFailed) {
      call.terminate(C.FailedTcpConnect);
      return;
    }
  }
  updateDialog(call, inc, m, index, cseqMethod);
  if (!m.advanceState) return;
  call.lastRecvIndex = index;
  call.lastRecvHash = cookie;
  call.lastRecv = inc;
  if (!m.optional || (m.next !== 0 && (!m.test || call.getVar(m.test).isSet()))) {
    call.pausedUntil = 0;
    call.msgIndex = index;
    call.next();
    return;
  }
  call.setPaused();
}

/** What a received message changes: CSeq, retransmissions, pending ACK, route set, challenge. */
function updateDialog(call: Call, inc: Incoming, m: ScenarioMessage, index: number, cseqMethod: string): void {
  const opts = call.engine.opts;
  if (!inc.isResponse) {
    const rcseq = inc.cseqNumber;
    if (rcseq > call.cseq) call.cseq = rcseq;
  }
  const method = inc.method;
  if (
    (inc.code || method === 'ACK' || method === 'CANCEL' || method === 'BYE' || method === 'PRACK') &&
    index > call.lastSendIndex
  ) {
    // The request we sent is answered: stop retransmitting it (a 1xx to a non-INVITE: slow to T2).
    if (inc.code === 0 || inc.code >= 200 || 'INVITE'.startsWith(cseqMethod)) call.nextRetrans = 0;
    else {
      call.nextRetrans = call.engine.now() + opts.t2Ms;
      call.nbLastDelay = opts.t2Ms;
    }
  }
  if (inc.code === 200) call.ackIsPending = true;
  if (m.rrs && call.dialogRouteSet === undefined) {
    computeRouteSet(call, inc.header('Record-Route:', true), inc.header('Contact:', true), !inc.isResponse);
  }
  if (m.auth && (inc.code === 401 || inc.code === 407)) {
    let auth = inc.header('Proxy-Authenticate:', true);
    if (!auth) auth = inc.header('WWW-Authenticate:', true);
    if (!auth) throw new SippError("Couldn't find 'Proxy-Authenticate' or 'WWW-Authenticate' in 401 or 407!");
    call.dialogAuthentication = auth;
    call.dialogChallengeType = inc.code;
    call.nextNonceCount = 1;
  }
}

const composeFor = (call: Call, m: ScenarioMessage, index: number) => composeBytes(call, m.send!, index);

function lostOnReceive(call: Call, m: ScenarioMessage): boolean {
  const percent = m.lost >= 0 ? m.lost : call.engine.opts.lostPercent;
  return percent > 0 && Math.random() < percent / 100;
}

/** SIPp's computeRouteSetAndRemoteTargetUri (RFC 3261 §12.1). */
export function computeRouteSet(call: Call, rr: string, contact: string, requestIncoming: boolean): void {
  if (!contact) {
    call.engine.warning('Cannot record route set if there is no Contact');
    return;
  }
  const formatUrl = (c: string) => {
    const t = c.replace(/^[ \t]+/, '');
    if (t.startsWith('<')) {
      const end = t.indexOf('>');
      return end >= 0 ? t.slice(1, end) : call.nextReqUrl;
    }
    return t;
  };
  if (!rr) {
    call.nextReqUrl = formatUrl(contact);
    return;
  }
  let headers = rr.split(',');
  if (!requestIncoming) headers = headers.reverse();
  const routes: string[] = [];
  let target = '';
  let first = true;
  for (const h of headers) {
    if (first && !h.includes(';lr')) target = h;
    else {
      first = false;
      routes.push(h.trim());
    }
  }
  if (target) routes.push(contact.trim());
  else target = contact;
  if (routes.length) call.dialogRouteSet = routes.join(', ');
  call.nextReqUrl = formatUrl(target);
}

type AutoMode = 'bye' | 'cancel' | 'ping' | 'aa';

function automaticMode(call: Call, inc: Incoming): AutoMode | undefined {
  const r = inc.method;
  if (r === 'BYE') return 'bye';
  if (r === 'CANCEL') return 'cancel';
  if (r === 'PING') return 'ping';
  if (call.engine.opts.autoAnswer && (r === 'INFO' || r === 'NOTIFY' || r === 'OPTIONS' || r === 'UPDATE')) return 'aa';
  return undefined;
}

function autoRespond(call: Call, inc: Incoming, mode: AutoMode): void {
  const e = call.engine;
  const behaviors = e.opts.defaultBehaviors;
  if (mode === 'bye' || mode === 'cancel') {
    call.lastRecv = inc;
    call.stats.msg(call.msgIndex, M.Unexp);
    if (behaviors & 2) {
      e.warning(`Aborting call on an unexpected ${mode.toUpperCase()} for call: ${call.id}`);
      if (behaviors & 1) sendDefault(call, '200');
      if (call.deleted || !abortTwinCall(call)) return;
      call.count(C.FailedCall);
      call.count(C.FailedUnexpectedMessage);
      call.destroy(undefined, false);
    } else e.warning(`Continuing call on an unexpected ${mode.toUpperCase()} for call: ${call.id}`);
    return;
  }
  if (mode === 'ping') {
    call.lastRecv = inc;
    if (behaviors & 4) {
      e.warning(`Automatic response mode for an unexpected PING for call: ${call.id}`);
      sendDefault(call, '200');
      if (call.deleted || !abortTwinCall(call)) return;
      e.stats.add(C.AutoAnswered);
      call.destroy(undefined, false);
    } else e.warning(`Do not answer on an unexpected PING for call: ${call.id}`);
    return;
  }
  const saved = call.lastRecv;
  call.lastRecv = inc;
  e.warning(`Automatic response mode for an unexpected INFO, NOTIFY, OPTIONS or UPDATE for call: ${call.id}`);
  sendDefault(call, '200');
  if (saved) call.lastRecv = saved;
  e.stats.add(C.AutoAnswered);
}

/** An unexpected message: abort the call (default) or carry on. Returns false if the call ended. */
export function processUnexpected(call: Call, inc: Incoming): boolean {
  const e = call.engine;
  const cur = call.messages[call.msgIndex]!;
  call.stats.msg(call.msgIndex, M.Unexp);
  const abort = (e.opts.defaultBehaviors & 2) !== 0;
  let desc = `${abort ? 'Aborting' : 'Continuing'} call on unexpected message for Call-Id '${call.id}': `;
  if (cur.kind === 'recv')
    desc +=
      cur.recvRequest !== undefined
        ? `while expecting '${cur.recvRequest}' `
        : `while expecting '${cur.recvResponse}' `;
  else if (cur.kind === 'send') desc += 'while sending ';
  else if (cur.kind === 'pause') desc += 'while pausing ';
  else if (cur.kind === 'sendCmd') desc += 'while sending command ';
  else if (cur.kind === 'recvCmd') desc += 'while expecting command ';
  else desc += `while in message type ${cur.kind} `;
  desc += `(index ${call.msgIndex})`;
  e.warning(`${desc}, received '${inc.text}'`);
  e.trace.message(
    `-----------------------------------------------\nUnexpected ${e.transportName} message received:\n\n${inc.text}\n`,
  );
  if (inc.code) e.stats.errorCodes.push(inc.code);
  if (!abort) return false;
  if (!abortTwinCall(call)) return false;
  call.lastRecv = inc;
  call.count(C.FailedCall);
  call.count(C.FailedUnexpectedMessage);
  call.failAndAbort();
  return false;
}
