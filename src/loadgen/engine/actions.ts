/**
 * Running a message's <action>s (SIPp's call::executeAction). A failed check (ereg check_it,
 * test, strcmp) stops the remaining actions and marks the call failed with its reason.
 */
import { spawn } from 'node:child_process';
import { SippError } from '../errors.js';
import type { Action, ScenarioMessage } from '../scenario/model.js';
import { ActionResult } from './action-result.js';
import type { Call } from './call.js';
import { compose } from './compose.js';
import { verifyDigest } from './digest.js';
import { extractSubMessage, type Incoming } from './incoming.js';

function rhs(call: Call, a: { value?: number; inVar?: import('../scenario/variables.js').VarRef }): number {
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

function executeAction(call: Call, inc: Incoming | undefined, a: Action): ActionResult {
  const e = call.engine;
  const text = (t: import('../scenario/message-template.js').MessageTemplate) => compose(call, t, -2);
  switch (a.type) {
    case 'ereg':
      return ereg(call, inc, a);
    case 'assign':
      call.getVar(a.assignTo!).setDouble(rhs(call, a));
      break;
    case 'index':
      call.getVar(a.assignTo).setDouble(call.msgIndex);
      break;
    case 'gettimeofday': {
      const us = Date.now() * 1000 + (Math.round(performance.now() * 1000) % 1000);
      call.getVar(a.assignTo).setDouble(Math.floor(us / 1e6));
      call.getVar(a.usecVar).setDouble(us % 1e6);
      break;
    }
    case 'lookup': {
      const file = text(a.file);
      const f = e.injection.get(file);
      if (!f) throw new SippError(`Invalid injection file for insert: ${file}`);
      call.getVar(a.assignTo).setDouble(f.lookup(text(a.key)));
      break;
    }
    case 'insert': {
      const file = text(a.file);
      const f = e.injection.get(file);
      if (!f) throw new SippError(`Invalid injection file for insert: ${file}`);
      f.insert(text(a.value));
      break;
    }
    case 'replace': {
      const file = text(a.file);
      const f = e.injection.get(file);
      if (!f) throw new SippError(`Invalid injection file for replace: ${file}`);
      const line = text(a.line);
      if (!/^\s*[+-]?\d+(\.\d*)?$/.test(line)) throw new SippError(`Invalid line number for replace: ${line}`);
      f.replace(Math.trunc(Number(line)), text(a.value));
      break;
    }
    case 'closecon':
      if (call.socket?.perCall) {
        call.socket.close();
        call.socket = undefined;
      }
      break;
    case 'setdest': {
      const host = text(a.host);
      const portText = text(a.port);
      const proto = text(a.protocol).toUpperCase();
      if (!/^\d+(\.\d*)?$/.test(portText)) throw new SippError(`Invalid port for setdest: ${portText}`);
      if (!['UDP', 'TCP', 'TLS', 'SCTP'].includes(proto))
        throw new SippError(`Unknown transport for setdest: '${text(a.protocol)}'`);
      if (proto !== e.transportName) throw new SippError('Can not switch protocols during setdest.');
      if (proto === 'TCP') throw new SippError('setdest with TCP is not supported by siptest');
      if (!/^[0-9.]+$|:/.test(host)) throw new SippError(`setdest needs an IP address in siptest (got '${host}')`);
      call.peer = { address: host, port: Math.trunc(Number(portText)) };
      break;
    }
    case 'verifyauth': {
      let ok = false;
      if (inc && !inc.isResponse) {
        const creds = inc.header('Authorization:', true);
        const t = inc.text;
        const at = t.indexOf('\r\n\r\n');
        ok = verifyDigest(text(a.username), text(a.password), inc.method, creds, at < 0 ? '' : t.slice(at + 4));
      }
      call.getVar(a.assignTo).setBool(ok);
      break;
    }
    case 'jump': {
      const target = Math.trunc(rhs(call, a));
      if (call.msgIndex === target)
        throw new SippError(`Jump statement at index ${call.msgIndex} jumps to itself and causes an infinite loop`);
      call.msgIndex = target - 1;
      if (call.msgIndex < -1 || call.msgIndex >= call.messages.length)
        throw new SippError(`Jump statement out of range (not 0 <= ${call.msgIndex + 1} <= ${call.messages.length})`);
      break;
    }
    case 'pauserestore':
      call.pausedUntil = Math.trunc(rhs(call, a));
      break;
    case 'add':
    case 'subtract':
    case 'multiply':
    case 'divide': {
      const v = call.getVar(a.assignTo!);
      const x = v.getDouble();
      const y = rhs(call, a);
      if (a.type === 'add') v.setDouble(x + y);
      else if (a.type === 'subtract') v.setDouble(x - y);
      else if (a.type === 'multiply') v.setDouble(x * y);
      else if (y === 0) e.warning(`Action failure: Can not divide by zero ($${a.assignTo!.name})!`);
      else v.setDouble(x / y);
      break;
    }
    case 'test': {
      const l = call.getVar(a.inVar).getDouble();
      const r = a.inVar2 ? call.getVar(a.inVar2).getDouble() : a.value;
      const value = compare(a.compare, l, r);
      if ((a.checkIt && !value) || (a.checkItInverse && value)) {
        e.warning(
          `test "${a.inVar.name}:${l.toFixed(6)} ${cmpText[a.compare]} ${a.inVar2?.name ?? ''}:${r.toFixed(6)}" with check_it${a.checkIt ? '' : '_inverse'} failed`,
        );
        return a.checkIt ? ActionResult.TestDoesntMatch : ActionResult.TestShouldntMatch;
      }
      if (a.assignTo) call.getVar(a.assignTo).setBool(value);
      break;
    }
    case 'strcmp': {
      const l = call.getVar(a.inVar).getString();
      const r = a.inVar2 ? call.getVar(a.inVar2).getString() : a.value;
      const value = l < r ? -1 : l > r ? 1 : 0;
      if ((a.checkIt && value) || (a.checkItInverse && !value)) {
        e.warning(
          `strcmp ${a.inVar.name}:"${l}" and ${a.inVar2?.name ?? ''}:"${r}" with check_it${a.checkIt ? '' : '_inverse'} returned ${value}`,
        );
        return a.checkIt ? ActionResult.StrcmpDoesntMatch : ActionResult.StrcmpShouldntMatch;
      }
      if (a.assignTo) call.getVar(a.assignTo).setDouble(value);
      break;
    }
    case 'trim': {
      const v = call.getVar(a.assignTo);
      v.setString(v.getString().trim());
      break;
    }
    case 'todouble': {
      const d = call.getVar(a.inVar).toDouble();
      if (d !== undefined) call.getVar(a.assignTo).setDouble(d);
      else e.warning(`Invalid double conversion from $${a.inVar.name} to $${a.assignTo.name}`);
      break;
    }
    case 'sample':
      call.getVar(a.assignTo).setDouble(a.distribution.sample());
      break;
    case 'assignstr':
      call.getVar(a.assignTo).setString(text(a.message));
      break;
    case 'log':
      e.trace.action(text(a.message) + '\n');
      break;
    case 'warning':
      e.warning(text(a.message));
      break;
    case 'error':
      throw new SippError(text(a.message));
    case 'exec': {
      // Detached, like SIPp's double fork + system(): the call does not wait for it.
      const child = spawn('/bin/sh', ['-c', Buffer.from(text(a.message), 'latin1').toString()], {
        stdio: 'ignore',
        detached: true,
      });
      child.on('error', () => e.warning(`system call error for ${text(a.message)}`));
      child.unref();
      break;
    }
    case 'int_cmd':
      if (a.cmd === 'stop_gracefully') e.stopGracefully();
      else if (a.cmd === 'stop_now') e.stopNow();
      else return ActionResult.StopCall;
      break;
  }
  return ActionResult.NoError;
}
