/**
 * Loading and validating a scenario (SIPp's scenario::scenario): elements, attributes, keywords,
 * labels, variables, RTDs, counters and transactions. Every error names the file and line and
 * says what to change, and all of it happens before any socket is opened.
 *
 * This module walks the elements in order; the readers are by family: read-declarations.ts (the
 * non-message elements), read-messages.ts (send, recv, pause, timewait), read-common.ts (what
 * every message element may carry), scenario-checks.ts (the end-of-file checks). Their shared
 * state is load-state.ts's.
 */
import type { Attrs } from './attrs.js';
import { KNOWN } from './element-attrs.js';
import type { LoadContext, ScenarioInput } from './load-context.js';
import { LoadState } from './load-state.js';
import type { Scenario } from './model.js';
import { readCommon } from './read-common.js';
import { readDeclaration } from './read-declarations.js';
import { checkOptionalRecv, newMessage, readPause, readRecv, readSend } from './read-messages.js';
import { readRecvCmd, readSendCmd } from './read-commands.js';
import { finishScenario } from './scenario-checks.js';
import { refuseUnsupported } from './unsupported.js';
import { parseXml, type XmlElement } from './xml.js';

export { DEFAULT_MESSAGES } from './default-messages.js';
export { newLoadContext, type LoadContext, type ScenarioInput } from './load-context.js';

export function loadScenario(input: ScenarioInput, ctx: LoadContext): Scenario {
  const doc = parseXml(input.text, input.source, input.encoding);
  refuseUnsupported(doc.root, input.source);
  const st = new LoadState(input, ctx);
  const root = doc.root;
  st.encoding = doc.encoding;
  if (root.name !== 'scenario')
    throw st.attrs(root).fail("No 'scenario' section in xml scenario file", 'the root element must be <scenario>');
  st.s.name = root.attrs.get('name') ?? '';
  for (const el of root.children) {
    st.currentLine = el.line;
    readElement(st, el);
  }
  finishScenario(st);
  return st.s;
}

function readElement(st: LoadState, el: XmlElement): void {
  const a = st.attrs(el);
  if (readDeclaration(st, el, a)) return;
  if (st.foundTimewait) throw a.fail('<timewait> can only be the last message in a scenario!');
  const m = newMessage(st, st.s.messages.length, el);
  st.s.messages.push(m);
  readMessage(st, m, el, a);
  const known = KNOWN[el.name];
  if (known)
    for (const u of a.unknown(known))
      st.s.warnings.push(`${a.where}: unknown attribute '${u}' on <${el.name}> (ignored)`);
  readCommon(st, m, el, a);
}

function readMessage(st: LoadState, m: Scenario['messages'][number], el: XmlElement, a: Attrs): void {
  switch (el.name) {
    case 'send':
      return readSend(st, m, el, a);
    case 'recv':
      return readRecv(st, m, a);
    case 'pause':
    case 'timewait':
      checkOptionalRecv(st, el.name, a);
      return readPause(st, m, el.name === 'timewait', a);
    case 'nop':
      checkOptionalRecv(st, el.name, a);
      m.kind = 'nop';
      return;
    case 'sendCmd':
      return readSendCmd(st, m, el, a);
    case 'recvCmd':
      return readRecvCmd(st, m, a);
    default:
      throw a.fail(
        `Unknown element '${el.name}' in xml scenario file`,
        'elements are send, recv, pause, nop, sendCmd, recvCmd, label, timewait, init and the statistics elements',
      );
  }
}
