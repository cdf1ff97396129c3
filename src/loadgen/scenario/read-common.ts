/**
 * The attributes and the <action> child every message element may have (SIPp's
 * scenario::getCommonAttributes): statistics (rtd, counter), the action list, display (hide,
 * hiderest, display), loss and CRLF, and branching (condexec, next/test/chance, ontimeout).
 */
import { scenarioError } from '../errors.js';
import type { Attrs } from './attrs.js';
import { parseActions } from './load-actions.js';
import type { LoadState } from './load-state.js';
import type { ScenarioMessage } from './model.js';
import type { XmlElement } from './xml.js';

export function readCommon(st: LoadState, m: ScenarioMessage, el: XmlElement, a: Attrs): void {
  readStatistics(st, m, a);
  readAction(st, m, el);
  if (a.has('lost')) m.lost = a.double('lost', 'lost percentage');
  if (a.has('crlf')) m.crlf = true;
  if (a.has('ignoresdp')) m.ignoreSdp = a.bool('ignoresdp', 'ignoresdp');
  if (a.has('hiderest')) st.hideDefault = a.bool('hiderest', 'hiderest');
  m.hide = a.bool('hide', 'hide', st.hideDefault);
  m.display = a.get('display');
  st.currentLine = el.line;
  readBranching(st, m, a);
}

function readStatistics(st: LoadState, m: ScenarioMessage, a: Attrs): void {
  const rtd = a.get('rtd');
  if (rtd !== undefined) m.stopRtd = st.ids.rtd(rtd, false);
  if (a.has('repeat_rtd')) {
    if (!m.stopRtd) throw a.fail('There is a repeat_rtd element without an rtd element');
    m.repeatRtd = a.bool('repeat_rtd', 'repeat_rtd');
  }
  const start = a.get('start_rtd');
  if (start !== undefined) m.startRtd = st.ids.rtd(start, true);
  const counter = a.get('counter');
  if (counter !== undefined) m.counter = st.ids.counter(counter, a);
}

/** At most one child, and that an <action>. */
function readAction(st: LoadState, m: ScenarioMessage, el: XmlElement): void {
  for (const child of el.children)
    if (child.name !== 'action')
      throw scenarioError(
        `Unknown element '${child.name}' inside <${el.name}>`,
        `${st.input.source}:${child.line}`,
        'only <action> may appear inside a message element',
      );
  const actionEl = el.children[0];
  if (el.children.length > 1)
    throw scenarioError(
      `Duplicate action for ${m.desc} index ${m.index}`,
      `${st.input.source}:${el.children[1]!.line}`,
    );
  if (actionEl) {
    st.currentLine = actionEl.line;
    m.actions = parseActions(actionEl, st.env(actionEl.line));
  }
}

/** Labels are names here; scenario-checks.ts turns them into indexes once all are known. */
function readBranching(st: LoadState, m: ScenarioMessage, a: Attrs): void {
  if (a.has('condexec')) m.condexec = st.variable(a.get('condexec')!);
  m.condexecInverse = a.bool('condexec_inverse', 'condexec_inverse', false);
  const next = a.get('next');
  if (next !== undefined) {
    if (st.foundTimewait) throw a.fail('next labels are not allowed in <timewait> elements.');
    m.nextLabel = next;
    if (a.has('test')) m.test = st.variable(a.get('test')!);
    if (a.has('chance')) {
      const chance = a.double('chance', 'chance');
      if (chance < 0 || chance > 1) throw a.fail(`Chance ${a.get('chance')} not in range [0..1]`);
      m.chance = 1 - chance;
    }
  }
  const onTimeout = a.get('ontimeout');
  if (onTimeout !== undefined) {
    if (st.foundTimewait) throw a.fail('ontimeout labels are not allowed in <timewait> elements.');
    m.onTimeoutLabel = onTimeout;
  }
}
