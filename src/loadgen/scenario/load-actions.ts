/**
 * Parsing <action> children of <recv>, <nop> and <recvCmd> (SIPp's scenario::parseAction).
 * Media actions read their files here (pcap captures, rtp_stream audio), so that a missing or
 * broken file stops the run before any traffic, as SIPp's prepare_pkts at load does.
 */
import { AudioFileError } from '../media/audio-file.js';
import { PcapError, type PcapFile } from '../media/pcap-file.js';
import { PAYLOAD_TIMING } from '../media/rtp-stream.js';
import { compileRegexp, type Attrs } from './attrs.js';
import { DISTRIBUTION_PARAMS, makeDistribution, type Distribution } from './distribution.js';
import { compileTemplate, type MessageTemplate, type TemplateEnv } from './message-template.js';
import type { Action, Comparator } from './model.js';
import type { VarRef } from './variables.js';
import type { XmlElement } from './xml.js';

/** The media files of actions, read at load (a file's error names it). */
export interface MediaFiles {
  /** The scenario plays media without a file (play_dtmf). */
  mark(): void;
  pcap(name: string): PcapFile;
  audio(name: string): Buffer;
  rtpPayload: number;
}

export interface ActionEnv extends TemplateEnv {
  attrs(el: XmlElement): Attrs;
  /** Resolve a variable named by an attribute, counting the reference. */
  variable(name: string): VarRef;
  media: MediaFiles;
}

const COMPARATORS = new Set([
  'equal',
  'not_equal',
  'greater_than',
  'less_than',
  'greater_than_equal',
  'less_than_equal',
]);

export function parseDistributionAttrs(a: Attrs, oldStyle: boolean, defaultPause: () => Distribution): Distribution {
  let name = a.get('distribution');
  if (name === undefined) {
    if (!oldStyle) throw a.fail("statistically distributed actions or pauses requires 'distribution' parameter");
    for (const legacy of ['normal', 'exponential', 'lognormal', 'weibull', 'pareto', 'gamma'])
      if (a.has(legacy)) name = legacy;
    if (name === undefined && (a.has('min') || a.has('max'))) name = 'uniform';
    if (name === undefined) {
      if (a.has('milliseconds'))
        return makeDistribution('fixed', { value: a.double('milliseconds', 'Pause milliseconds') })!;
      return defaultPause();
    }
  }
  const params = DISTRIBUTION_PARAMS[name];
  if (!params)
    throw a.fail(`Unknown distribution: ${name}`, `use one of ${Object.keys(DISTRIBUTION_PARAMS).join(', ')}`);
  const values: Record<string, number> = {};
  for (const p of params) values[p] = a.double(p, `${name} distribution`);
  return makeDistribution(name, values)!;
}

/** One <action> child being parsed, with the attribute readers every action family uses. */
class ActionSource {
  readonly a: Attrs;

  constructor(
    readonly el: XmlElement,
    readonly env: ActionEnv,
  ) {
    this.a = env.attrs(el);
  }

  get name(): string {
    return this.el.name;
  }

  variable(attr: string, what: string): VarRef {
    return this.env.variable(this.a.string(attr, what));
  }

  template(attr: string, what: string): MessageTemplate {
    return compileTemplate(this.a.string(attr, what), { ...this.env, where: this.a.where }, false);
  }

  /** value="…" or variable="…" (exactly one): the right-hand side of arithmetic and jumps. */
  rhs(what: string): { value?: number; inVar?: VarRef } {
    const a = this.a;
    if (a.has('value')) {
      if (a.has('variable')) throw a.fail(`Value and variable are mutually exclusive for ${what} action!`);
      return { value: a.double('value', what) };
    }
    if (a.has('variable')) return { inVar: this.variable('variable', what) };
    throw a.fail(`No value or variable defined for ${what} action!`);
  }

  checks(what: string): { checkIt: boolean; checkItInverse: boolean } {
    const a = this.a;
    if (a.has('check_it') && a.has('check_it_inverse'))
      throw a.fail(`Can not have both check_it and check_it_inverse for ${what}!`);
    return { checkIt: a.bool('check_it', what, false), checkItInverse: a.bool('check_it_inverse', what, false) };
  }
}

/** <ereg>: a regular expression over the message, a header, the body or a variable. */
function parseEreg(s: ActionSource): Action {
  const { a, env } = s;
  const source = a.string('regexp', 'ereg');
  const searchIn = a.get('search_in') ?? 'msg';
  let header: string | undefined;
  let inVar: VarRef | undefined;
  let occurrence = 1;
  if (searchIn === 'hdr') {
    header = a.get('header');
    if (!header) throw a.fail('search_in="hdr" requires header field', 'add header="From:" (with the colon)');
    const occ = a.get('occurrence') ?? a.get('occurence');
    if (occ !== undefined) occurrence = parseInt(occ, 10) || 0;
  } else if (searchIn === 'var') inVar = s.variable('variable', 'ereg');
  else if (searchIn !== 'msg' && searchIn !== 'body')
    throw a.fail(`Unknown search_in value ${searchIn}`, 'use msg, hdr, body or var');
  const { checkIt, checkItInverse } = s.checks('ereg');
  const assign = a.string('assign_to', 'ereg').split(',');
  const assignTo = env.variable(assign[0]!);
  const subVars = assign.slice(1).map((n) => env.variable(n));
  if (subVars.length > 9) throw a.fail('You can only have nine sub expressions!');
  return {
    type: 'ereg',
    regexp: compileRegexp(source, '', a),
    source,
    where: searchIn as 'msg' | 'hdr' | 'body' | 'var',
    header,
    inVar,
    occurrence,
    caseIndep: a.bool('case_indep', 'ereg', false),
    headersOnly: a.bool('start_line', 'ereg', false),
    checkIt,
    checkItInverse,
    assignTo,
    subVars,
  };
}

/** <assign>, <add>, <subtract>, <multiply>, <divide>: arithmetic on a double variable. */
function parseArithmetic(s: ActionSource): Action {
  const type = s.name as 'assign' | 'add' | 'subtract' | 'multiply' | 'divide';
  const assignTo = s.variable('assign_to', type);
  const r = s.rhs(type);
  if (type === 'divide' && r.value === 0) throw s.a.fail('divide actions can not have a value of zero!');
  return { type, assignTo, ...r };
}

/** <jump>, <pauserestore>: a message index or pause end from a value or variable. */
function parseJump(s: ActionSource): Action {
  const type = s.name as 'jump' | 'pauserestore';
  return { type, ...s.rhs(type) };
}

/** <test> (numeric comparison) and <strcmp>: a check that can fail the call, or a result in a variable. */
function parseTest(s: ActionSource): Action {
  const { a, name } = s;
  const c = s.checks(name);
  const assignTo =
    a.has('assign_to') || (!a.has('check_it') && !a.has('check_it_inverse'))
      ? s.variable('assign_to', name)
      : undefined;
  const inVar = s.variable('variable', name);
  if (a.has('value') && a.has('variable2')) throw a.fail(`Can not have both a value and a variable2 for ${name}!`);
  const inVar2 = a.has('value') ? undefined : s.variable('variable2', name);
  if (name === 'strcmp') return { type: 'strcmp', assignTo, inVar, inVar2, value: a.get('value') ?? '', ...c };
  const compare = a.string('compare', 'test');
  if (!COMPARATORS.has(compare))
    throw a.fail(`Invalid 'compare' parameter: ${compare}`, `use one of ${[...COMPARATORS].join(', ')}`);
  const value = a.has('value') ? a.double('value', 'test') : 0;
  return { type: 'test', assignTo, inVar, inVar2, value, compare: compare as Comparator, ...c };
}

/** <gettimeofday>, <index>, <sample>, <todouble>, <trim>, <assignstr>: set a variable. */
function parseSetVariable(s: ActionSource): Action {
  const { a, env } = s;
  switch (s.name) {
    case 'gettimeofday': {
      const names = a.string('assign_to', 'gettimeofday').split(',');
      if (names.length !== 2) throw a.fail('The gettimeofday action requires two output variables!');
      return { type: 'gettimeofday', assignTo: env.variable(names[0]!), usecVar: env.variable(names[1]!) };
    }
    case 'index':
      return { type: 'index', assignTo: s.variable('assign_to', 'index') };
    case 'sample': {
      const assignTo = s.variable('assign_to', 'sample');
      const zero = () => makeDistribution('fixed', { value: 0 })!;
      return { type: 'sample', assignTo, distribution: parseDistributionAttrs(a, false, zero) };
    }
    case 'todouble':
      return {
        type: 'todouble',
        assignTo: s.variable('assign_to', 'todouble'),
        inVar: s.variable('variable', 'todouble'),
      };
    case 'trim':
      return { type: 'trim', assignTo: s.variable('assign_to', 'trim') };
    default:
      return {
        type: 'assignstr',
        assignTo: s.variable('assign_to', 'assignstr'),
        message: s.template('value', 'assignstr'),
      };
  }
}

/** <log>, <warning>, <error>: a message to the -trace_logs file, the error log, or a fatal error. */
function parseLog(s: ActionSource): Action {
  const type = s.name as 'log' | 'warning' | 'error';
  return { type, message: s.template('message', type) };
}

/** <lookup>, <insert>, <replace>: -inf injection files. */
function parseInjection(s: ActionSource): Action {
  if (s.name === 'lookup')
    return {
      type: 'lookup',
      assignTo: s.variable('assign_to', 'lookup'),
      file: s.template('file', 'lookup'),
      key: s.template('key', 'lookup'),
    };
  if (s.name === 'insert')
    return { type: 'insert', file: s.template('file', 'insert'), value: s.template('value', 'insert') };
  return {
    type: 'replace',
    file: s.template('file', 'replace'),
    line: s.template('line', 'replace'),
    value: s.template('value', 'replace'),
  };
}

/** <setdest>, <closecon>, <verifyauth>: the call's destination, connection and peer's credentials. */
function parsePeer(s: ActionSource): Action {
  if (s.name === 'closecon') return { type: 'closecon' };
  if (s.name === 'verifyauth')
    return {
      type: 'verifyauth',
      assignTo: s.variable('assign_to', 'verifyauth'),
      username: s.template('username', 'verifyauth'),
      password: s.template('password', 'verifyauth'),
    };
  return {
    type: 'setdest',
    host: s.template('host', 'setdest'),
    port: s.template('port', 'setdest'),
    protocol: s.template('protocol', 'setdest'),
  };
}

/** <exec command> (a detached shell command) or <exec int_cmd> (stop the call or the run). */
function parseExec(s: ActionSource): Action {
  const a = s.a;
  const cmd = a.get('command');
  const intCmd = a.get('int_cmd');
  if (cmd !== undefined) return { type: 'exec', message: s.template('command', 'exec') };
  if (intCmd !== undefined)
    return {
      type: 'int_cmd',
      cmd: intCmd === 'stop_now' ? 'stop_now' : intCmd === 'stop_gracefully' ? 'stop_gracefully' : 'stop_call',
    };
  for (const kind of ['audio', 'image', 'video'] as const) {
    const name = a.get(`play_pcap_${kind}`);
    if (name !== undefined) return { type: 'play_pcap', kind, pcap: mediaFile(s, () => s.env.media.pcap(name)) };
  }
  if (a.has('play_dtmf')) {
    s.env.media.mark();
    return { type: 'play_dtmf', message: s.template('play_dtmf', 'exec') };
  }
  const stream = a.get('rtp_stream');
  if (stream !== undefined) return parseRtpStream(s, stream);
  throw a.fail('illegal <exec> in the scenario', 'use command="...", or int_cmd="stop_call|stop_gracefully|stop_now"');
}

/** A media file read now; its error (missing, truncated, wrong format) is the scenario's, at this line. */
function mediaFile<T>(s: ActionSource, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof PcapError || e instanceof AudioFileError) throw s.a.fail(e.message);
    throw e;
  }
}

/** rtp_stream="pause" | "resume" | "file[,loops[,payload]]" (SIPp's CAction::setRTPStreamActInfo). */
function parseRtpStream(s: ActionSource, value: string): Action {
  if (value === 'pause') return { type: 'rtp_stream_pause' };
  if (value === 'resume') return { type: 'rtp_stream_resume' };
  const [file, loops, payload] = value.split(',');
  const payloadType = payload !== undefined ? parseInt(payload, 10) || 0 : s.env.media.rtpPayload;
  const timing = PAYLOAD_TIMING[payloadType];
  if (!timing)
    throw s.a.fail(
      `Unknown rtp payload type ${payloadType} - cannot set playback parameters`,
      'use 0 (PCMU), 8 (PCMA), 9 (G.722), 18 (G.729) or 98 (iLBC)',
    );
  const audio = mediaFile(s, () => s.env.media.audio(file!));
  const [msPerPacket, bytesPerPacket, ticksPerPacket] = timing;
  const loopCount = loops !== undefined ? parseInt(loops, 10) || 0 : 1;
  return {
    type: 'rtp_stream',
    spec: { file: file!, audio, loops: loopCount, payloadType, msPerPacket, bytesPerPacket, ticksPerPacket },
  };
}

/** <rtp_echo value="…"/> or variable="…": echo on (non-zero) or off, for the whole run (SIPp). */
function parseRtpEcho(s: ActionSource): Action {
  return { type: 'rtp_echo', ...s.rhs('rtp_echo') };
}

/** The parser of each action element, by SIPp element name. */
const ACTION_PARSERS: Record<string, (s: ActionSource) => Action> = {
  ereg: parseEreg,
  assign: parseArithmetic,
  add: parseArithmetic,
  subtract: parseArithmetic,
  multiply: parseArithmetic,
  divide: parseArithmetic,
  jump: parseJump,
  pauserestore: parseJump,
  test: parseTest,
  strcmp: parseTest,
  gettimeofday: parseSetVariable,
  index: parseSetVariable,
  sample: parseSetVariable,
  todouble: parseSetVariable,
  trim: parseSetVariable,
  assignstr: parseSetVariable,
  log: parseLog,
  warning: parseLog,
  error: parseLog,
  lookup: parseInjection,
  insert: parseInjection,
  replace: parseInjection,
  setdest: parsePeer,
  closecon: parsePeer,
  verifyauth: parsePeer,
  exec: parseExec,
  rtp_echo: parseRtpEcho,
};

export function parseActions(actionEl: XmlElement, env: ActionEnv): Action[] {
  return actionEl.children.map((el) => {
    const s = new ActionSource(el, env);
    const parse = Object.hasOwn(ACTION_PARSERS, el.name) ? ACTION_PARSERS[el.name] : undefined;
    if (!parse) throw s.a.fail(`Unknown action: ${el.name}`, 'see the SIPp documentation for the list of actions');
    return parse(s);
  });
}
