/**
 * [authentication …] written in an -inf field (SIPp substitutes the field, then parses the
 * keyword from the result: call::createSendingMessage). What neither SIPp nor siptest can do with
 * it is found here, before any packet: SIPp stops mid-run on these (exit 255), siptest refuses the
 * run, and `siptest scenario validate --inf` reports them.
 */
import type { InjectionFile } from '../engine/injection.js';
import { scenarioError } from '../errors.js';
import type { Component } from './message-template.js';
import type { Scenario, ScenarioMessage } from './model.js';

/** AKA (RFC 3310) parameters: siptest computes Digest MD5/SHA-256 only. */
const AKA_PARAMS = ['aka_K=', 'aka_OP=', 'aka_AMF='];

/** The first value of `field` in `file` holding an [authentication keyword, or undefined. */
function authIn(file: InjectionFile, field: number): { line: number; value: string } | undefined {
  for (const f of file.writtenFields(field)) if (f.value.includes('[authentication')) return f;
  return undefined;
}

function checkMessage(scenario: Scenario, m: ScenarioMessage, files: ReadonlyMap<string, InjectionFile>): void {
  const where = `${scenario.source}:${m.line}`;
  let auths = 0;
  let head = '';
  const fail = (message: string, hint?: string) => scenarioError(message, where, hint);
  for (const c of m.send?.components ?? ([] as Component[])) {
    if (c.k === 'lit') head += c.s;
    if (c.k === 'auth') auths++;
    if (c.k !== 'field') continue;
    const file = files.get(c.file);
    const found = file && authIn(file, c.field);
    if (!found) continue;
    const at = `${c.file} (entry ${found.line + 1}, field ${c.field})`;
    auths++;
    const keyword = found.value.slice(found.value.indexOf('[authentication'));
    const end = keyword.indexOf(']');
    if (end < 0) throw fail(`Unterminated [authentication keyword in ${at}`, 'close it with "]"');
    if (head.includes('\r\n\r\n'))
      throw fail(
        `The authentication keyword should appear in the message header, not the body! (${at})`,
        'move [field' + c.field + '] above the blank line',
      );
    const aka = AKA_PARAMS.find((p) => keyword.slice(0, end).includes(p));
    if (aka) throw fail(`AKA authentication (${aka.slice(0, -1)} in ${at}) is not supported by siptest`);
  }
  if (auths > 1)
    throw fail(
      'Only one [authentication] keyword is currently supported!',
      'an injected field holds [authentication ...] and the message has another one',
    );
}

/** Refuse what the run cannot do with [authentication] in the -inf fields its <send>s use. */
export function checkInjectedAuth(scenario: Scenario, files: ReadonlyMap<string, InjectionFile>): void {
  if (files.size === 0) return;
  for (const m of [...scenario.initMessages, ...scenario.messages]) if (m.send) checkMessage(scenario, m, files);
}
