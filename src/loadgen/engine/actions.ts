/**
 * Running a message's <action>s (SIPp's call::executeAction). A failed check (ereg check_it,
 * test, strcmp) stops the remaining actions and marks the call failed with its reason.
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { SippError } from '../errors.js';
import type { MessageTemplate } from '../scenario/message-template.js';
import type { Action, ScenarioMessage } from '../scenario/model.js';
import type { VarRef } from '../scenario/variables.js';
import { ActionResult } from './action-result.js';
import type { Call } from './call.js';
import { compose } from './compose.js';
import { verifyDigest } from './digest.js';
import { extractSubMessage, type Incoming } from './incoming.js';
import type { InjectionFile } from './injection.js';

function rhs(call: Call, a: { value?: number; inVar?: VarRef }): number {
  return a.inVar ? call.getVar(a.inVar).getDouble() : (a.value ?? 0);
}

function compare(op: string, l: number, r: number): boolean {
  switch (op) {
    case 'equal':
      return l === r;
    case 'not_equal':
      return l !== r;
    case 'greater_than':
      return l > r;
    case 'less_than':
      return l < r;
    case 'greater_than_equal':
      return l >= r;
    default:
      return l <= r;
  }
}

const cmpText: Record<string, string> = {
  equal: '==',
  not_equal: '!=',
  greater_than: '>',
  less_than: '<',
  greater_than_equal: '>=',
  less_than_equal: '<=',
};

export function executeActions(call: Call, inc: Incoming | undefined, m: ScenarioMessage): ActionResult {
  for (const a of m.actions) {
    const r = executeAction(call, inc, a);
    if (r !== ActionResult.NoError) return r;
    if (call.deleted) return ActionResult.NoError;
  }
  return ActionResult.NoError;
}

function ereg(call: Call, inc: Incoming | undefined, a: Extract<Action, { type: 'ereg' }>): ActionResult {
  const e = call.engine;
  const text = inc?.text ?? '';
  let haystack: string;
  if (a.where === 'hdr') {
    haystack = extractSubMessage(text, a.header!, a.caseIndep, a.occurrence, a.headersOnly);
    if (a.checkIt && haystack.length === 0) {
      e.warning(`Failed regexp match: header ${a.header} not found in message\n${text}\n`);
      return ActionResult.HdrNotFound;
    }
  } else if (a.where === 'body') {
    const at = text.indexOf('\r\n\r\n');
    if (at < 0 && a.checkIt) {
      e.warning(`Failed regexp match: body not found in message\n${text}\n`);
      return ActionResult.HdrNotFound;
    }
    haystack = at < 0 ? '' : text.slice(at + 4);
  } else if (a.where === 'var') haystack = call.getVar(a.inVar!).getString();
  else haystack = text;
  const match = a.regexp.exec(haystack);
  let matched = 0;
  if (match) {
    const targets = [a.assignTo, ...a.subVars];
    for (let i = 0; i < targets.length; i++) {
      const g = match[i];
      if (g !== undefined) {
        call.getVar(targets[i]!).setMatch(g);
        matched++;
      }
    }
  }
  if (!matched && a.checkIt) {
    e.warning(`Failed regexp match: looking in '${haystack}', with regexp '${a.source}'`);
    return ActionResult.RegexpDoesntMatch;
  }
  if (matched && a.checkItInverse) {
    e.warning(`Regexp matched but should not: looking in '${haystack}', with regexp '${a.source}'`);
    return ActionResult.RegexpShouldntMatch;
  }
  return ActionResult.NoError;
}

type ActionOf<T extends Action['type']> = Action & { type: T };
type Run<T extends Action['type']> = (call: Call, a: ActionOf<T>, inc: Incoming | undefined) => ActionResult | void;

/** Keyword text of an action attribute, for this call. */
const text = (call: Call, t: MessageTemplate) => compose(call, t, -2);

/** <assign>, <add>, <subtract>, <multiply>, <divide>. */
const arithmetic: Run<'assign' | 'add' | 'subtract' | 'multiply' | 'divide'> = (call, a) => {
  const v = call.getVar(a.assignTo!);
  const y = rhs(call, a);
  if (a.type === 'assign') return v.setDouble(y);
  const x = v.getDouble();
  if (a.type === 'add') v.setDouble(x + y);
  else if (a.type === 'subtract') v.setDouble(x - y);
  else if (a.type === 'multiply') v.setDouble(x * y);
  else if (y === 0) call.engine.warning(`Action failure: Can not divide by zero ($${a.assignTo!.name})!`);
  else v.setDouble(x / y);
};

/** <jump>: continue at a message index (the call's next() moves past index - 1). */
const jump: Run<'jump'> = (call, a) => {
  const target = Math.trunc(rhs(call, a));
  if (call.msgIndex === target)
    throw new SippError(`Jump statement at index ${call.msgIndex} jumps to itself and causes an infinite loop`);
  call.msgIndex = target - 1;
  if (call.msgIndex < -1 || call.msgIndex >= call.messages.length)
    throw new SippError(`Jump statement out of range (not 0 <= ${call.msgIndex + 1} <= ${call.messages.length})`);
};

/** <test>: compare a variable with a value or another variable. */
const testAction: Run<'test'> = (call, a) => {
  const l = call.getVar(a.inVar).getDouble();
  const r = a.inVar2 ? call.getVar(a.inVar2).getDouble() : a.value;
  const value = compare(a.compare, l, r);
  if ((a.checkIt && !value) || (a.checkItInverse && value)) {
    call.engine.warning(
      `test "${a.inVar.name}:${l.toFixed(6)} ${cmpText[a.compare]} ${a.inVar2?.name ?? ''}:${r.toFixed(6)}" with check_it${a.checkIt ? '' : '_inverse'} failed`,
    );
    return a.checkIt ? ActionResult.TestDoesntMatch : ActionResult.TestShouldntMatch;
  }
  if (a.assignTo) call.getVar(a.assignTo).setBool(value);
};

/** <strcmp>: compare a variable's text with a value or another variable. */
const strcmp: Run<'strcmp'> = (call, a) => {
  const l = call.getVar(a.inVar).getString();
  const r = a.inVar2 ? call.getVar(a.inVar2).getString() : a.value;
  const value = l < r ? -1 : l > r ? 1 : 0;
  if ((a.checkIt && value) || (a.checkItInverse && !value)) {
    call.engine.warning(
      `strcmp ${a.inVar.name}:"${l}" and ${a.inVar2?.name ?? ''}:"${r}" with check_it${a.checkIt ? '' : '_inverse'} returned ${value}`,
    );
    return a.checkIt ? ActionResult.StrcmpDoesntMatch : ActionResult.StrcmpShouldntMatch;
  }
  if (a.assignTo) call.getVar(a.assignTo).setDouble(value);
};

/** <gettimeofday>: seconds and microseconds of the wall clock. */
const gettimeofday: Run<'gettimeofday'> = (call, a) => {
  const us = Date.now() * 1000 + (Math.round(performance.now() * 1000) % 1000);
  call.getVar(a.assignTo).setDouble(Math.floor(us / 1e6));
  call.getVar(a.usecVar).setDouble(us % 1e6);
};

const todouble: Run<'todouble'> = (call, a) => {
  const d = call.getVar(a.inVar).toDouble();
  if (d !== undefined) call.getVar(a.assignTo).setDouble(d);
  else call.engine.warning(`Invalid double conversion from $${a.inVar.name} to $${a.assignTo.name}`);
};

const trim: Run<'trim'> = (call, a) => {
  const v = call.getVar(a.assignTo);
  v.setString(v.getString().trim());
};

/** The -inf file an injection action names. */
function injectionFile(call: Call, a: ActionOf<'lookup' | 'insert' | 'replace'>): InjectionFile {
  const file = text(call, a.file);
  const f = call.engine.injection.get(file);
  if (!f) throw new SippError(`Invalid injection file for ${a.type === 'replace' ? 'replace' : 'insert'}: ${file}`);
  return f;
}

/** <replace>: a line of an -inf file. */
const replace: Run<'replace'> = (call, a) => {
  const f = injectionFile(call, a);
  const line = text(call, a.line);
  if (!/^\s*[+-]?\d+(\.\d*)?$/.test(line)) throw new SippError(`Invalid line number for replace: ${line}`);
  f.replace(Math.trunc(Number(line)), text(call, a.value));
};

/** <setdest>: where the call's next messages go (an IP address, on the run's transport). */
const setdest: Run<'setdest'> = (call, a) => {
  const host = text(call, a.host);
  const portText = text(call, a.port);
  const proto = text(call, a.protocol).toUpperCase();
  if (!/^\d+(\.\d*)?$/.test(portText)) throw new SippError(`Invalid port for setdest: ${portText}`);
  if (!['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'].includes(proto))
    throw new SippError(`Unknown transport for setdest: '${text(call, a.protocol)}'`);
  if (proto !== call.engine.transportName) throw new SippError('Can not switch protocols during setdest.');
  if (proto === 'TCP' || proto === 'WS' || proto === 'WSS')
    throw new SippError(`setdest with ${proto} is not supported by siptest`);
  if (!/^[0-9.]+$|:/.test(host)) throw new SippError(`setdest needs an IP address in siptest (got '${host}')`);
  call.peer = { address: host, port: Math.trunc(Number(portText)) };
};

/** <verifyauth>: whether the received request's credentials match the user and password. */
const verifyauth: Run<'verifyauth'> = (call, a, inc) => {
  let ok = false;
  if (inc && !inc.isResponse) {
    const creds = inc.header('Authorization:', true);
    const t = inc.text;
    const at = t.indexOf('\r\n\r\n');
    ok = verifyDigest(text(call, a.username), text(call, a.password), inc.method, creds, at < 0 ? '' : t.slice(at + 4));
  }
  call.getVar(a.assignTo).setBool(ok);
};

/**
 * node:child_process, required at the first <exec command>: it and the modules it needs are
 * compiled at every start, and most runs never exec (issue 15: a run's first message sooner).
 */
let childProcess: typeof ChildProcess | undefined;
const spawn = (command: string, args: readonly string[], options: ChildProcess.SpawnOptions) =>
  (childProcess ??= createRequire(import.meta.url)('node:child_process') as typeof ChildProcess).spawn(
    command,
    args,
    options,
  );

/** <exec command>: detached, like SIPp's double fork + system(): the call does not wait for it. */
const exec: Run<'exec'> = (call, a) => {
  const child = spawn('/bin/sh', ['-c', Buffer.from(text(call, a.message), 'latin1').toString()], {
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', () => call.engine.warning(`system call error for ${text(call, a.message)}`));
  child.unref();
};

/** <exec int_cmd>: stop the run (gracefully or now) or the call. */
const intCmd: Run<'int_cmd'> = (call, a) => {
  if (a.cmd === 'stop_gracefully') call.engine.stopGracefully();
  else if (a.cmd === 'stop_now') call.engine.stopNow();
  else return ActionResult.StopCall;
};

/** How each action runs, by type; undefined result: no error. */
const RUN: { [T in Action['type']]: Run<T> } = {
  ereg: (call, a, inc) => ereg(call, inc, a),
  assign: arithmetic,
  add: arithmetic,
  subtract: arithmetic,
  multiply: arithmetic,
  divide: arithmetic,
  jump,
  pauserestore: (call, a) => void (call.pausedUntil = Math.trunc(rhs(call, a))),
  test: testAction,
  strcmp,
  index: (call, a) => call.getVar(a.assignTo).setDouble(call.msgIndex),
  gettimeofday,
  sample: (call, a) => call.getVar(a.assignTo).setDouble(a.distribution.sample()),
  todouble,
  trim,
  assignstr: (call, a) => call.getVar(a.assignTo).setString(text(call, a.message)),
  lookup: (call, a) => call.getVar(a.assignTo).setDouble(injectionFile(call, a).lookup(text(call, a.key))),
  insert: (call, a) => injectionFile(call, a).insert(text(call, a.value)),
  replace,
  closecon: (call) => {
    if (!call.socket?.perCall) return;
    call.socket.close();
    call.socket = undefined;
  },
  setdest,
  verifyauth,
  log: (call, a) => call.engine.trace.action(text(call, a.message) + '\n'),
  warning: (call, a) => call.engine.warning(text(call, a.message)),
  error: (call, a) => {
    throw new SippError(text(call, a.message));
  },
  exec,
  int_cmd: intCmd,
  play_pcap: (call, a) => call.media()?.playPcap(a.kind, a.pcap),
  play_dtmf: (call, a) => call.media()?.playDtmf(text(call, a.message)),
  rtp_stream: (call, a) => call.media()?.playStream(a.spec),
  rtp_stream_pause: (call) => call.media()?.pauseStream(true),
  rtp_stream_resume: (call) => call.media()?.pauseStream(false),
  rtp_echo: (call, a) => {
    if (call.engine.rtp) call.engine.rtp.echoOn = rhs(call, a) !== 0;
  },
};

function executeAction(call: Call, inc: Incoming | undefined, a: Action): ActionResult {
  return (RUN[a.type] as Run<Action['type']>)(call, a, inc) ?? ActionResult.NoError;
}
