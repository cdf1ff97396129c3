/**
 * What is decided once the whole scenario has been read (SIPp's end of scenario::scenario): labels
 * become message indexes, the _unexp.* hooks are looked up, rtds, variables and transactions are
 * checked for use, the mode (client or server) follows from the first message, and the default
 * messages not overridden are compiled.
 */
import { scenarioError } from '../errors.js';
import { DEFAULT_MESSAGES, NOT_SIP } from './default-messages.js';
import type { LoadState } from './load-state.js';
import { compileTemplate, type TemplateEnv } from './message-template.js';
import type { Scenario, ScenarioMessage } from './model.js';

/** next= and ontimeout= labels → message indexes. */
export function applyLabels(source: string, messages: ScenarioMessage[], labels: Map<string, number>): void {
  const resolve = (label: string, i: number, m: ScenarioMessage, attr: string): number => {
    const to = labels.get(label);
    if (to === undefined)
      throw scenarioError(
        `The label '${label}' was not defined (index ${i}, ${attr} attribute)`,
        `${source}:${m.line}`,
        'add <label id="..."/> or fix the name',
      );
    return to;
  };
  messages.forEach((m, i) => {
    if (m.nextLabel !== undefined) m.next = resolve(m.nextLabel, i, m, 'next');
    if (m.onTimeoutLabel !== undefined) m.onTimeout = resolve(m.onTimeoutLabel, i, m, 'ontimeout');
  });
}

export function finishScenario(st: LoadState): void {
  const s = st.s;
  const src = st.input.source;
  s.unexpectedJump = s.labels.get('_unexp.main') ?? -1;
  s.retaddr = st.callVars.find('_unexp.retaddr', false);
  s.pausedaddr = st.callVars.find('_unexp.pausedaddr', false);
  applyLabels(src, s.messages, s.labels);
  st.ids.checkRtds(src);
  for (const u of st.callVars.underused())
    throw scenarioError(
      `Variable $${u.name} is referenced ${u.count} times!`,
      `${src}:${u.line}`,
      'a variable must be set and used; list deliberate single uses in <Reference variables="..."/>',
    );
  st.ids.checkTransactions(src);
  if (s.messages.length === 0)
    throw scenarioError('Did not find any messages inside of scenario!', src, 'add <send>/<recv> elements');
  s.mode = computeMode(s, src);
  const firstSip = s.messages.find((m) => m.kind === 'send' || m.kind === 'recv');
  if (!firstSip) throw scenarioError('Unable to determine send mode of the tool (server, client)', src);
  s.sendMode = firstSip.kind === 'recv' ? 'server' : 'client';
  const firstCmd = s.messages.find((m) => m.kind === 'sendCmd' || m.kind === 'recvCmd');
  s.commands = !firstCmd ? 'none' : firstCmd.kind === 'sendCmd' ? 'send-first' : 'recv-first';
  for (const [id, text] of Object.entries(DEFAULT_MESSAGES))
    if (!s.defaultMessages.has(id))
      s.defaultMessages.set(id, compileTemplate(text, st.env(0) as TemplateEnv, !NOT_SIP.has(id)));
}

function computeMode(s: Scenario, src: string): 'client' | 'server' {
  for (const m of s.messages) {
    if (m.kind === 'pause' || m.kind === 'nop') continue;
    if (m.kind === 'send' || m.kind === 'sendCmd') return 'client';
    if (m.kind === 'recv' || m.kind === 'recvCmd') return 'server';
  }
  throw scenarioError('Unable to determine creation mode of the tool (server, client)', src);
}
