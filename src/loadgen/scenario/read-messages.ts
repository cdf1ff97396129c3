/**
 * Readers of the message elements of a scenario: <send>, <recv>, <pause> and <timewait> (what
 * each element itself says; the attributes every message element shares are read-common.ts's).
 */
import { compileRegexp, type Attrs } from './attrs.js';
import { makeDistribution, type Distribution } from './distribution.js';
import { parseDistributionAttrs } from './load-actions.js';
import type { LoadState } from './load-state.js';
import { cleanCdata } from './message-template.js';
import { OPTIONAL_FALSE, OPTIONAL_GLOBAL, OPTIONAL_TRUE, type ScenarioMessage } from './model.js';
import type { XmlElement } from './xml.js';

export function newMessage(st: LoadState, index: number, el: XmlElement): ScenarioMessage {
  return {
    index,
    kind: 'nop',
    line: el.line,
    desc: st.s.name || 'unknown scenario',
    retransDelay: 0,
    timeout: 0,
    startTxn: 0,
    ackTxn: 0,
    recvResponse: 0,
    regexpMatch: false,
    responseTxn: 0,
    optional: OPTIONAL_FALSE,
    advanceState: true,
    rrs: false,
    auth: false,
    ignoreSdp: false,
    timewait: false,
    startRtd: 0,
    stopRtd: 0,
    repeatRtd: false,
    counter: 0,
    actions: [],
    lost: -1,
    crlf: false,
    hide: false,
    condexecInverse: false,
    next: -1,
    chance: 0,
    onTimeout: -1,
  };
}

/** SIPp's rule: the last <recv> before a send, pause or nop must not be optional. */
export function checkOptionalRecv(st: LoadState, elem: string, a: Attrs): void {
  if (st.lastRecvOptional)
    throw a.fail(
      `<recv> before <${elem}> sequence without a mandatory message. Please remove one 'optional=true' (element ${st.s.messages.length}).`,
      'the last <recv> before a send/pause/nop must not be optional',
    );
  st.lastRecvOptional = false;
}

/**
 * optional= on <recv> and <recvCmd> (SIPp reads both with xp_get_optional("optional", "recv")):
 * false (the default), true or global; remembers whether this receive was optional for
 * checkOptionalRecv.
 */
export function readRecvOptional(st: LoadState, m: ScenarioMessage, a: Attrs): void {
  const opt = a.get('optional');
  if (opt === undefined || opt === 'false') m.optional = OPTIONAL_FALSE;
  else if (opt === 'true') m.optional = OPTIONAL_TRUE;
  else if (opt === 'global') m.optional = OPTIONAL_GLOBAL;
  else throw a.fail(`Could not understand optional value for recv: ${opt}`, 'use true, false or global');
  st.lastRecvOptional = m.optional !== OPTIONAL_FALSE;
}

export function readSend(st: LoadState, m: ScenarioMessage, el: XmlElement, a: Attrs): void {
  checkOptionalRecv(st, 'send', a);
  m.kind = 'send';
  if (el.cdata === undefined)
    throw a.fail("No CDATA in 'send' section of xml scenario file", 'put the message in <![CDATA[ ... ]]>');
  st.currentLine = el.cdataLine ?? el.line;
  const t = st.template(cleanCdata(el.cdata), st.currentLine, true, el.cdata);
  m.send = t;
  if (!t.isResponse) {
    const method = t.method!;
    if (a.has('start_txn')) {
      if (t.isAck) throw a.fail('An ACK message can not start a transaction!');
      m.startTxn = st.ids.txn(a.get('start_txn')!, 'start', method === 'INVITE', a);
    } else if (a.has('ack_txn')) {
      if (!t.isAck) throw a.fail('The ack_txn attribute is valid only for ACK messages!');
      m.ackTxn = st.ids.txn(a.get('ack_txn')!, 'ack', false, a);
    } else st.methodList += method;
  } else {
    if (a.has('start_txn')) throw a.fail('Responses can not start a transaction');
    if (a.has('ack_txn')) throw a.fail('Responses can not ACK a transaction');
  }
  if (a.has('response_txn')) throw a.fail('response_txn can only be used for received messages.');
  m.retransDelay = a.long('retrans', 'retransmission timer', 0);
  m.timeout = a.long('timeout', 'message send timeout', 0);
}

export function readRecv(st: LoadState, m: ScenarioMessage, a: Attrs): void {
  m.kind = 'recv';
  const response = a.get('response');
  if (response !== undefined) {
    m.recvResponse = a.long('response', 'response code');
    if (st.methodList) m.responseMethods = st.methodList;
    if (a.has('response_txn')) m.responseTxn = st.ids.txn(a.get('response_txn')!, 'response', false, a);
  }
  const request = a.get('request');
  if (request !== undefined) {
    m.recvRequest = request;
    if (a.has('response_txn')) throw a.fail('response_txn can only be used for received responses.');
  }
  if (response === undefined && request === undefined)
    st.s.warnings.push(`${a.where}: <recv> without request or response never matches`);
  readRecvOptional(st, m, a);
  m.advanceState = a.bool('advance_state', 'recv', true);
  if (!m.advanceState && m.optional === OPTIONAL_FALSE)
    throw a.fail(`advance_state is allowed only for optional messages (index = ${m.index})`);
  m.regexpMatch = a.get('regexp_match') === 'true';
  if (m.regexpMatch && request !== undefined) m.requestRegexp = compileRegexp(request, '', a);
  m.timeout = a.long('timeout', 'message timeout', 0);
  if (a.has('rrs')) m.rrs = a.bool('rrs', 'record route set');
  if (a.has('auth')) m.auth = a.bool('auth', 'message authentication');
}

/** <pause> and <timewait>: a variable's value, a distribution, or -d. */
export function readPause(st: LoadState, m: ScenarioMessage, timewait: boolean, a: Attrs): void {
  m.kind = 'pause';
  if (timewait) {
    m.timewait = true;
    st.foundTimewait = true;
  }
  if (a.has('variable')) {
    m.pauseVariable = st.variable(a.get('variable')!);
    return;
  }
  const defaultPause = (): Distribution => {
    const d = makeDistribution('fixed', { value: st.ctx.defaultPauseMs })!;
    return { ...d, describe: d.describe };
  };
  const dist = parseDistributionAttrs(a, true, defaultPause);
  const p99 = dist.quantile(0.99);
  if (a.bool('sanity_check', 'pause', true) && p99 > 2147483647)
    throw a.fail(
      `The distribution ${dist.describe()} has a 99th percentile larger than INT_MAX. You should chose different parameters.`,
    );
  m.pause = dist;
  st.s.durationMs += Math.trunc(p99);
}
