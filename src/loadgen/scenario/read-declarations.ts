/**
 * Readers of the scenario elements that are not messages: the statistics tables
 * (CallLengthRepartition, ResponseTimeRepartition), variable declarations (Global, User,
 * Reference), <DefaultMessage>, <label> and the <init> stanza. readDeclaration() says whether the
 * element was one of these.
 */
import type { Attrs } from './attrs.js';
import { DEFAULT_MESSAGES, NOT_SIP } from './default-messages.js';
import type { LoadState } from './load-state.js';
import { cleanCdata } from './message-template.js';
import { readCommon } from './read-common.js';
import { newMessage } from './read-messages.js';
import { applyLabels } from './scenario-checks.js';
import type { XmlElement } from './xml.js';

export function readDeclaration(st: LoadState, el: XmlElement, a: Attrs): boolean {
  const s = st.s;
  switch (el.name) {
    case 'CallLengthRepartition':
      s.callLengthRepartition = repartition(a.string('value', 'CallLengthRepartition'), a);
      return true;
    case 'ResponseTimeRepartition': {
      const table = repartition(a.string('value', 'ResponseTimeRepartition'), a);
      for (let i = 0; i < s.rtdNames.length; i++) s.rtdRepartitions[i] = table;
      return true;
    }
    case 'Global':
    case 'User':
    case 'Reference':
      readVariables(st, el, a);
      return true;
    case 'DefaultMessage': {
      const id = a.string('id', 'DefaultMessage');
      if (!(id in DEFAULT_MESSAGES))
        throw a.fail(`Unknown default message: ${id}`, 'use ack, ack2, bye, cancel, 200 or 3pcc_abort');
      if (el.cdata === undefined) throw a.fail("No CDATA in 'DefaultMessage' section of xml scenario file");
      const sanity = !NOT_SIP.has(id);
      s.defaultMessages.set(id, st.template(cleanCdata(el.cdata, false), el.cdataLine ?? el.line, sanity));
      return true;
    }
    case 'label': {
      const id = a.string('id', 'label');
      if (s.labels.has(id)) throw a.fail(`The label name '${id}' is used twice.`);
      s.labels.set(id, s.messages.length);
      return true;
    }
    case 'init':
      readInit(st, el);
      return true;
  }
  return false;
}

/** <Global> and <User> declare; <Reference> marks call variables used only once as meant. */
function readVariables(st: LoadState, el: XmlElement, a: Attrs): void {
  const names = a.string('variables', el.name).split(',');
  if (el.name === 'Global') for (const n of names) st.ctx.globalVars.find(n, true, el.line);
  else if (el.name === 'User') for (const n of names) st.ctx.userVars.find(n, true, el.line);
  else
    for (const n of names)
      if (!st.callVars.find(n, false, el.line))
        throw a.fail(
          `Could not reference non-existant variable '${n}'`,
          'use the variable somewhere, or remove it from <Reference>',
        );
}

function readInit(st: LoadState, el: XmlElement): void {
  const labels = new Map<string, number>();
  for (const child of el.children) {
    const a = st.attrs(child);
    st.currentLine = child.line;
    if (child.name === 'nop') {
      const m = newMessage(st, st.s.initMessages.length, child);
      m.desc = 'scenario initialization';
      st.s.initMessages.push(m);
      readCommon(st, m, child, a);
    } else if (child.name === 'label') {
      const id = a.string('id', 'label');
      if (labels.has(id)) throw a.fail(`The label name '${id}' is used twice.`);
      labels.set(id, st.s.initMessages.length);
    } else
      throw a.fail(`Invalid element in an init stanza: '${child.name}'`, 'only <nop> and <label> may appear in <init>');
  }
  applyLabels(st.input.source, st.s.initMessages, labels);
}

function repartition(value: string, a: Attrs): number[] {
  if (!/^\s*\d+\s*(,\s*\d+\s*)*$/.test(value))
    throw a.fail(`Could not create table for repartition '${value}'`, 'use a comma-separated list of integers (ms)');
  return value
    .split(',')
    .map((v) => parseInt(v.trim(), 10))
    .sort((x, y) => x - y);
}
