/**
 * Loading and validating a scenario (SIPp's scenario::scenario): elements, attributes, keywords,
 * labels, variables, RTDs, counters and transactions. Every error names the file and line and
 * says what to change, and all of it happens before any socket is opened.
 */
import { scenarioError } from '../errors.js';
import { Attrs, compileRegexp } from './attrs.js';
import { makeDistribution, type Distribution } from './distribution.js';
import { parseActions, parseDistributionAttrs, type ActionEnv } from './load-actions.js';
import { cleanCdata, compileTemplate, type MessageTemplate, type TemplateEnv } from './message-template.js';
import { OPTIONAL_FALSE, OPTIONAL_GLOBAL, OPTIONAL_TRUE, type Scenario, type ScenarioMessage } from './model.js';
import { VariableAllocator, type VarRef } from './variables.js';
import { parseXml, type XmlElement } from './xml.js';

export interface LoadContext {
  keywords: ReadonlyMap<string, string>;
  injectionFiles: ReadonlySet<string>;
  defaultInjectionFile?: string;
  authUser: string;
  authPassword: string;
  /** -d, the length of a <pause/> without milliseconds. */
  defaultPauseMs: number;
  /** Shared by every scenario of a run (main, out-of-call, auto-answer). */
  globalVars: VariableAllocator;
  userVars: VariableAllocator;
}

export function newLoadContext(partial: Partial<LoadContext> = {}): LoadContext {
  const globalVars = partial.globalVars ?? new VariableAllocator(0);
  return {
    keywords: new Map(),
    injectionFiles: new Set(),
    authUser: 'service',
    authPassword: 'password',
    defaultPauseMs: 0,
    userVars: partial.userVars ?? new VariableAllocator(1, globalVars),
    ...partial,
    globalVars,
  };
}

/** SIPp's default abort/auto-answer messages (call.cpp), overridable with <DefaultMessage>. */
export const DEFAULT_MESSAGES: Record<string, string> = {
  ack:
    'ACK [last_Request_URI] SIP/2.0\n[last_Via]\n[last_From]\n[last_To]\nCall-ID: [call_id]\nCSeq: [last_cseq_number] ACK\n' +
    'Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nMax-Forwards: 70\nSubject: Performance Test\nContent-Length: 0\n\n',
  ack2:
    'ACK [last_Request_URI] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n[last_From]\n[last_To]\n' +
    'Call-ID: [call_id]\nCSeq: [last_cseq_number] ACK\nContact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\n' +
    'Max-Forwards: 70\nSubject: Performance Test\nContent-Length: 0\n\n',
  bye:
    'BYE [last_Request_URI] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n[last_From]\n[last_To]\n' +
    'Call-ID: [call_id]\nCSeq: [last_cseq_number+1] BYE\nMax-Forwards: 70\n' +
    'Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
  cancel:
    'CANCEL [last_Request_URI] SIP/2.0\n[last_Via]\n[last_From]\n[last_To]\nCall-ID: [call_id]\nCSeq: [last_cseq_number] CANCEL\n' +
    'Max-Forwards: 70\nContact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
  '200':
    'SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n' +
    'Contact: <sip:[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
};

const COMMON_ATTRS = [
  'rtd',
  'start_rtd',
  'repeat_rtd',
  'counter',
  'lost',
  'crlf',
  'ignoresdp',
  'hiderest',
  'hide',
  'display',
];
const BRANCH_ATTRS = ['condexec', 'condexec_inverse', 'next', 'test', 'chance', 'ontimeout'];
const KNOWN: Record<string, Set<string>> = {
  send: new Set([...COMMON_ATTRS, ...BRANCH_ATTRS, 'retrans', 'timeout', 'start_txn', 'ack_txn']),
  recv: new Set([
    ...COMMON_ATTRS,
    ...BRANCH_ATTRS,
    'response',
    'request',
    'optional',
    'advance_state',
    'regexp_match',
    'timeout',
    'rrs',
    'auth',
    'response_txn',
  ]),
  pause: new Set([
    ...COMMON_ATTRS,
    ...BRANCH_ATTRS,
    'milliseconds',
    'variable',
    'distribution',
    'sanity_check',
    'normal',
    'exponential',
    'lognormal',
    'weibull',
    'pareto',
    'gamma',
    'min',
    'max',
    'value',
    'mean',
    'stdev',
    'lambda',
    'k',
    'x_m',
    'shape',
    'scale',
    'location',
    'theta',
    'n',
    'p',
  ]),
  nop: new Set([...COMMON_ATTRS, ...BRANCH_ATTRS]),
};
KNOWN.timewait = KNOWN.pause!;

export interface ScenarioInput {
  text: string;
  source: string;
  fileBase: string;
  encoding?: 'utf8' | 'latin1';
}

export function loadScenario(input: ScenarioInput, ctx: LoadContext): Scenario {
  const doc = parseXml(input.text, input.source, input.encoding);
  return new Loader(input, ctx).load(doc.root, doc.encoding);
}

class Loader {
  private readonly callVars: VariableAllocator;
  private readonly s: Scenario;
  private methodList = '';
  private lastRecvOptional = false;
  private foundTimewait = false;
  private hideDefault = false;
  private readonly rtdMap = new Map<string, number>();
  private readonly rtdStarted = new Set<string>();
  private readonly rtdStopped = new Set<string>();
  private readonly counterMap = new Map<string, number>();
  private readonly txnMap = new Map<string, number>();
  private encoding: 'utf8' | 'latin1' = 'utf8';
  private currentLine = 1;

  constructor(
    private readonly input: ScenarioInput,
    private readonly ctx: LoadContext,
  ) {
    this.callVars = new VariableAllocator(2, ctx.userVars);
    this.s = {
      name: '',
      fileBase: input.fileBase,
      source: input.source,
      messages: [],
      initMessages: [],
      labels: new Map(),
      durationMs: 0,
      callVars: this.callVars,
      userVars: ctx.userVars,
      globalVars: ctx.globalVars,
      rtdNames: [],
      rtdRepartitions: [],
      counterNames: [],
      transactions: [],
      unexpectedJump: -1,
      defaultMessages: new Map(),
      mode: 'client',
      warnings: [],
    };
  }

  private attrs(el: XmlElement): Attrs {
    return new Attrs(el, this.input.source);
  }

  /** Text from the file → the bytes sent, as a latin1 string. */
  private bytes(text: string): string {
    return this.encoding === 'utf8' && /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
  }

  private variable = (name: string): VarRef => {
    if (name === '') throw scenarioError('Variable names may not be empty', this.where());
    if (/[$,]/.test(name)) throw scenarioError(`Variable names may not contain '$' or ',': ${name}`, this.where());
    return this.callVars.find(name, true, this.currentLine)!;
  };

  private where(): string {
    return `${this.input.source}:${this.currentLine}`;
  }

  private env(line: number): ActionEnv {
    return {
      variable: this.variable,
      keywords: this.ctx.keywords,
      injectionFiles: this.ctx.injectionFiles,
      defaultInjectionFile: this.ctx.defaultInjectionFile,
      authUser: this.ctx.authUser,
      authPassword: this.ctx.authPassword,
      where: `${this.input.source}:${line}`,
      attrs: (el) => this.attrs(el),
    };
  }

  private template(text: string, line: number, sanity: boolean, raw?: string): MessageTemplate {
    const env = this.env(line) as TemplateEnv;
    if (raw !== undefined)
      env.whereOf = (needle: string) => {
        const at = raw.indexOf(needle.trim());
        const offset = at < 0 ? 0 : (raw.slice(0, at).match(/\n/g)?.length ?? 0);
        return `${this.input.source}:${line + offset}`;
      };
    return compileTemplate(this.bytes(text), env, sanity);
  }

  load(root: XmlElement, encoding: 'utf8' | 'latin1'): Scenario {
    this.encoding = encoding;
    const s = this.s;
    if (root.name !== 'scenario')
      throw scenarioError(
        "No 'scenario' section in xml scenario file",
        `${this.input.source}:${root.line}`,
        'the root element must be <scenario>',
      );
    s.name = root.attrs.get('name') ?? '';
    for (const el of root.children) {
      this.currentLine = el.line;
      this.element(el);
    }
    this.finish();
    return s;
  }

  private element(el: XmlElement): void {
    const s = this.s;
    const a = this.attrs(el);
    switch (el.name) {
      case 'CallLengthRepartition':
        s.callLengthRepartition = this.repartition(a.string('value', 'CallLengthRepartition'), a);
        return;
      case 'ResponseTimeRepartition': {
        const table = this.repartition(a.string('value', 'ResponseTimeRepartition'), a);
        for (let i = 0; i < s.rtdNames.length; i++) s.rtdRepartitions[i] = table;
        return;
      }
      case 'Global':
        for (const n of a.string('variables', 'Global').split(',')) this.ctx.globalVars.find(n, true, el.line);
        return;
      case 'User':
        for (const n of a.string('variables', 'User').split(',')) this.ctx.userVars.find(n, true, el.line);
        return;
      case 'Reference':
        for (const n of a.string('variables', 'Reference').split(','))
          if (!this.callVars.find(n, false, el.line))
            throw a.fail(
              `Could not reference non-existant variable '${n}'`,
              'use the variable somewhere, or remove it from <Reference>',
            );
        return;
      case 'DefaultMessage': {
        const id = a.string('id', 'DefaultMessage');
        if (!(id in DEFAULT_MESSAGES) && id !== '3pcc_abort')
          throw a.fail(`Unknown default message: ${id}`, 'use ack, ack2, bye, cancel or 200');
        if (el.cdata === undefined) throw a.fail("No CDATA in 'DefaultMessage' section of xml scenario file");
        s.defaultMessages.set(id, this.template(cleanCdata(el.cdata, false), el.cdataLine ?? el.line, true));
        return;
      }
      case 'label': {
        const id = a.string('id', 'label');
        if (s.labels.has(id)) throw a.fail(`The label name '${id}' is used twice.`);
        s.labels.set(id, s.messages.length);
        return;
      }
      case 'init':
        this.init(el);
        return;
    }
    if (this.foundTimewait) throw a.fail('<timewait> can only be the last message in a scenario!');
    const m = this.newMessage(s.messages.length, el);
    s.messages.push(m);
    switch (el.name) {
      case 'send':
        this.send(m, el, a);
        break;
      case 'recv':
        this.recv(m, a);
        break;
      case 'pause':
      case 'timewait':
        this.checkOptionalRecv(el.name, a);
        this.pause(m, el.name === 'timewait', a);
        break;
      case 'nop':
        this.checkOptionalRecv(el.name, a);
        m.kind = 'nop';
        break;
      case 'sendCmd':
      case 'recvCmd':
        throw a.fail(`<${el.name}> (3PCC twin commands) is not supported by siptest`, 'run 3PCC scenarios with SIPp');
      default:
        throw a.fail(
          `Unknown element '${el.name}' in xml scenario file`,
          'elements are send, recv, pause, nop, label, timewait, init and the statistics elements',
        );
    }
    const known = KNOWN[el.name];
    if (known)
      for (const u of a.unknown(known))
        s.warnings.push(`${a.where}: unknown attribute '${u}' on <${el.name}> (ignored)`);
    this.common(m, el, a);
  }

  private newMessage(index: number, el: XmlElement): ScenarioMessage {
    return {
      index,
      kind: 'nop',
      line: el.line,
      desc: this.s.name || 'unknown scenario',
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

  private checkOptionalRecv(elem: string, a: Attrs): void {
    if (this.lastRecvOptional)
      throw a.fail(
        `<recv> before <${elem}> sequence without a mandatory message. Please remove one 'optional=true' (element ${this.s.messages.length}).`,
        'the last <recv> before a send/pause/nop must not be optional',
      );
    this.lastRecvOptional = false;
  }

  private send(m: ScenarioMessage, el: XmlElement, a: Attrs): void {
    this.checkOptionalRecv('send', a);
    m.kind = 'send';
    if (el.cdata === undefined)
      throw a.fail("No CDATA in 'send' section of xml scenario file", 'put the message in <![CDATA[ ... ]]>');
    this.currentLine = el.cdataLine ?? el.line;
    const t = this.template(cleanCdata(el.cdata), this.currentLine, true, el.cdata);
    m.send = t;
    if (!t.isResponse) {
      const method = t.method!;
      if (a.has('start_txn')) {
        if (t.isAck) throw a.fail('An ACK message can not start a transaction!');
        m.startTxn = this.txn(a.get('start_txn')!, 'start', method === 'INVITE', a);
      } else if (a.has('ack_txn')) {
        if (!t.isAck) throw a.fail('The ack_txn attribute is valid only for ACK messages!');
        m.ackTxn = this.txn(a.get('ack_txn')!, 'ack', false, a);
      } else this.methodList += method;
    } else {
      if (a.has('start_txn')) throw a.fail('Responses can not start a transaction');
      if (a.has('ack_txn')) throw a.fail('Responses can not ACK a transaction');
    }
    if (a.has('response_txn')) throw a.fail('response_txn can only be used for received messages.');
    m.retransDelay = a.long('retrans', 'retransmission timer', 0);
    m.timeout = a.long('timeout', 'message send timeout', 0);
  }

  private recv(m: ScenarioMessage, a: Attrs): void {
    m.kind = 'recv';
    const response = a.get('response');
    if (response !== undefined) {
      m.recvResponse = a.long('response', 'response code');
      if (this.methodList) m.responseMethods = this.methodList;
      if (a.has('response_txn')) m.responseTxn = this.txn(a.get('response_txn')!, 'response', false, a);
    }
    const request = a.get('request');
    if (request !== undefined) {
      m.recvRequest = request;
      if (a.has('response_txn')) throw a.fail('response_txn can only be used for received responses.');
    }
    if (response === undefined && request === undefined)
      this.s.warnings.push(`${a.where}: <recv> without request or response never matches`);
    const opt = a.get('optional');
    if (opt === undefined || opt === 'false') m.optional = OPTIONAL_FALSE;
    else if (opt === 'true') m.optional = OPTIONAL_TRUE;
    else if (opt === 'global') m.optional = OPTIONAL_GLOBAL;
    else throw a.fail(`Could not understand optional value for recv: ${opt}`, 'use true, false or global');
    this.lastRecvOptional = m.optional !== OPTIONAL_FALSE;
    m.advanceState = a.bool('advance_state', 'recv', true);
    if (!m.advanceState && m.optional === OPTIONAL_FALSE)
      throw a.fail(`advance_state is allowed only for optional messages (index = ${m.index})`);
    m.regexpMatch = a.get('regexp_match') === 'true';
    if (m.regexpMatch && request !== undefined) m.requestRegexp = compileRegexp(request, '', a);
    m.timeout = a.long('timeout', 'message timeout', 0);
    if (a.has('rrs')) m.rrs = a.bool('rrs', 'record route set');
    if (a.has('auth')) m.auth = a.bool('auth', 'message authentication');
  }

  private pause(m: ScenarioMessage, timewait: boolean, a: Attrs): void {
    m.kind = 'pause';
    if (timewait) {
      m.timewait = true;
      this.foundTimewait = true;
    }
    if (a.has('variable')) {
      m.pauseVariable = this.variable(a.get('variable')!);
      return;
    }
    const defaultPause = (): Distribution => {
      const d = makeDistribution('fixed', { value: this.ctx.defaultPauseMs })!;
      return { ...d, describe: d.describe };
    };
    const dist = parseDistributionAttrs(a, true, defaultPause);
    const p99 = dist.quantile(0.99);
    if (a.bool('sanity_check', 'pause', true) && p99 > 2147483647)
      throw a.fail(
        `The distribution ${dist.describe()} has a 99th percentile larger than INT_MAX. You should chose different parameters.`,
      );
    m.pause = dist;
    this.s.durationMs += Math.trunc(p99);
  }

  private common(m: ScenarioMessage, el: XmlElement, a: Attrs): void {
    const rtd = a.get('rtd');
    if (rtd !== undefined) m.stopRtd = this.rtd(rtd, false);
    if (a.has('repeat_rtd')) {
      if (!m.stopRtd) throw a.fail('There is a repeat_rtd element without an rtd element');
      m.repeatRtd = a.bool('repeat_rtd', 'repeat_rtd');
    }
    const start = a.get('start_rtd');
    if (start !== undefined) m.startRtd = this.rtd(start, true);
    const counter = a.get('counter');
    if (counter !== undefined) {
      if (counter === '' || /[$,]/.test(counter)) throw a.fail(`Invalid counter name '${counter}'`);
      let id = this.counterMap.get(counter);
      if (id === undefined) {
        id = this.counterMap.size + 1;
        this.counterMap.set(counter, id);
        this.s.counterNames.push(counter);
      }
      m.counter = id;
    }
    for (const child of el.children)
      if (child.name !== 'action')
        throw scenarioError(
          `Unknown element '${child.name}' inside <${el.name}>`,
          `${this.input.source}:${child.line}`,
          'only <action> may appear inside a message element',
        );
    const actionEl = el.children[0];
    if (el.children.length > 1)
      throw scenarioError(
        `Duplicate action for ${m.desc} index ${m.index}`,
        `${this.input.source}:${el.children[1]!.line}`,
      );
    if (actionEl) {
      this.currentLine = actionEl.line;
      m.actions = parseActions(actionEl, this.env(actionEl.line));
    }
    if (a.has('lost')) m.lost = a.double('lost', 'lost percentage');
    if (a.has('crlf')) m.crlf = true;
    if (a.has('ignoresdp')) m.ignoreSdp = a.bool('ignoresdp', 'ignoresdp');
    if (a.has('hiderest')) this.hideDefault = a.bool('hiderest', 'hiderest');
    m.hide = a.bool('hide', 'hide', this.hideDefault);
    m.display = a.get('display');
    this.currentLine = el.line;
    if (a.has('condexec')) m.condexec = this.variable(a.get('condexec')!);
    m.condexecInverse = a.bool('condexec_inverse', 'condexec_inverse', false);
    const next = a.get('next');
    if (next !== undefined) {
      if (this.foundTimewait) throw a.fail('next labels are not allowed in <timewait> elements.');
      m.nextLabel = next;
      if (a.has('test')) m.test = this.variable(a.get('test')!);
      if (a.has('chance')) {
        const chance = a.double('chance', 'chance');
        if (chance < 0 || chance > 1) throw a.fail(`Chance ${a.get('chance')} not in range [0..1]`);
        m.chance = 1 - chance;
      }
    }
    const onTimeout = a.get('ontimeout');
    if (onTimeout !== undefined) {
      if (this.foundTimewait) throw a.fail('ontimeout labels are not allowed in <timewait> elements.');
      m.onTimeoutLabel = onTimeout;
    }
  }

  private init(el: XmlElement): void {
    const labels = new Map<string, number>();
    for (const child of el.children) {
      const a = this.attrs(child);
      this.currentLine = child.line;
      if (child.name === 'nop') {
        const m = this.newMessage(this.s.initMessages.length, child);
        m.desc = 'scenario initialization';
        this.s.initMessages.push(m);
        this.common(m, child, a);
      } else if (child.name === 'label') {
        const id = a.string('id', 'label');
        if (labels.has(id)) throw a.fail(`The label name '${id}' is used twice.`);
        labels.set(id, this.s.initMessages.length);
      } else
        throw a.fail(
          `Invalid element in an init stanza: '${child.name}'`,
          'only <nop> and <label> may appear in <init>',
        );
    }
    this.applyLabels(this.s.initMessages, labels);
  }

  private rtd(name: string, start: boolean): number {
    if (name === 'false') return 0;
    const key = name === 'true' ? '1' : name;
    (start ? this.rtdStarted : this.rtdStopped).add(key);
    let id = this.rtdMap.get(key);
    if (id === undefined) {
      id = this.rtdMap.size + 1;
      this.rtdMap.set(key, id);
      this.s.rtdNames.push(key);
      this.s.rtdRepartitions.push(undefined);
    }
    return id;
  }

  private txn(name: string, role: 'start' | 'ack' | 'response', isInvite: boolean, a: Attrs): number {
    if (name === '' || /[$,]/.test(name)) throw a.fail(`Invalid transaction name '${name}'`);
    let id = this.txnMap.get(name);
    if (id === undefined) {
      this.s.transactions.push({ name, started: 0, responses: 0, acks: 0, isInvite: role === 'start' && isInvite });
      id = this.s.transactions.length;
      this.txnMap.set(name, id);
    }
    const t = this.s.transactions[id - 1]!;
    if (role === 'start') t.started++;
    else if (role === 'ack') t.acks++;
    else t.responses++;
    return id;
  }

  private repartition(value: string, a: Attrs): number[] {
    if (!/^\s*\d+\s*(,\s*\d+\s*)*$/.test(value))
      throw a.fail(`Could not create table for repartition '${value}'`, 'use a comma-separated list of integers (ms)');
    return value
      .split(',')
      .map((v) => parseInt(v.trim(), 10))
      .sort((x, y) => x - y);
  }

  private applyLabels(messages: ScenarioMessage[], labels: Map<string, number>): void {
    messages.forEach((m, i) => {
      if (m.nextLabel !== undefined) {
        const to = labels.get(m.nextLabel);
        if (to === undefined)
          throw scenarioError(
            `The label '${m.nextLabel}' was not defined (index ${i}, next attribute)`,
            `${this.input.source}:${m.line}`,
            'add <label id="..."/> or fix the name',
          );
        m.next = to;
      }
      if (m.onTimeoutLabel !== undefined) {
        const to = labels.get(m.onTimeoutLabel);
        if (to === undefined)
          throw scenarioError(
            `The label '${m.onTimeoutLabel}' was not defined (index ${i}, ontimeout attribute)`,
            `${this.input.source}:${m.line}`,
            'add <label id="..."/> or fix the name',
          );
        m.onTimeout = to;
      }
    });
  }

  private finish(): void {
    const s = this.s;
    const src = this.input.source;
    s.unexpectedJump = s.labels.get('_unexp.main') ?? -1;
    s.retaddr = this.callVars.find('_unexp.retaddr', false);
    s.pausedaddr = this.callVars.find('_unexp.pausedaddr', false);
    this.applyLabels(s.messages, s.labels);
    for (const name of this.rtdStarted)
      if (!this.rtdStopped.has(name))
        throw scenarioError(
          `You have started Response Time Duration ${name}, but have never stopped it!`,
          src,
          `add rtd="${name}" where it should stop`,
        );
    for (const u of this.callVars.underused())
      throw scenarioError(
        `Variable $${u.name} is referenced ${u.count} times!`,
        `${src}:${u.line}`,
        'a variable must be set and used; list deliberate single uses in <Reference variables="..."/>',
      );
    for (const t of s.transactions) {
      if (t.started === 0) throw scenarioError(`Transaction ${t.name} is never started!`, src);
      if (t.responses === 0) throw scenarioError(`Transaction ${t.name} has no responses defined!`, src);
      if (t.isInvite && t.acks === 0)
        throw scenarioError(`Transaction ${t.name} is an INVITE transaction without an ACK!`, src);
      if (!t.isInvite && t.acks > 0)
        throw scenarioError(`Transaction ${t.name} is a non-INVITE transaction with an ACK!`, src);
    }
    if (s.messages.length === 0)
      throw scenarioError('Did not find any messages inside of scenario!', src, 'add <send>/<recv> elements');
    s.mode = computeMode(s, src);
    for (const [id, text] of Object.entries(DEFAULT_MESSAGES))
      if (!s.defaultMessages.has(id))
        s.defaultMessages.set(id, compileTemplate(text, this.env(0) as TemplateEnv, true));
  }
}

function computeMode(s: Scenario, src: string): 'client' | 'server' {
  for (const m of s.messages) {
    if (m.kind === 'pause' || m.kind === 'nop') continue;
    if (m.kind === 'send') return 'client';
    if (m.kind === 'recv') return 'server';
  }
  throw scenarioError('Unable to determine creation mode of the tool (server, client)', src);
}
