/**
 * Readers of the twin-SIPp 3PCC elements (SIPp's scenario.cpp): <sendCmd> carries a message
 * template (its CDATA, not checked as SIP: it has no start line, only "Call-ID:" and whatever the
 * scenario passes on) and, in extended 3PCC, the dest= peer name; <recvCmd> may be optional and
 * names its src= peer in extended 3PCC. Whether dest/src are required depends on the command
 * line (-slave_cfg), so the twin set-up checks that (twin/plan.ts), as SIPp does once it knows.
 */
import type { Attrs } from './attrs.js';
import type { LoadState } from './load-state.js';
import { cleanCdata } from './message-template.js';
import { OPTIONAL_FALSE, OPTIONAL_GLOBAL, OPTIONAL_TRUE, type ScenarioMessage } from './model.js';
import { checkOptionalRecv } from './read-messages.js';
import type { XmlElement } from './xml.js';

export function readSendCmd(st: LoadState, m: ScenarioMessage, el: XmlElement, a: Attrs): void {
  checkOptionalRecv(st, 'sendCmd', a);
  m.kind = 'sendCmd';
  m.cmdDest = a.get('dest');
  if (el.cdata === undefined)
    throw a.fail("No CDATA in 'sendCmd' section of xml scenario file", 'put the command in <![CDATA[ ... ]]>');
  st.currentLine = el.cdataLine ?? el.line;
  // SIPp builds it with "skip sanity": a command is not a SIP message.
  m.cmd = st.template(cleanCdata(el.cdata), st.currentLine, false, el.cdata);
}

export function readRecvCmd(st: LoadState, m: ScenarioMessage, a: Attrs): void {
  m.kind = 'recvCmd';
  // SIPp reads it with xp_get_optional("optional", "recv"): the same values as on <recv>.
  const opt = a.get('optional');
  if (opt === undefined || opt === 'false') m.optional = OPTIONAL_FALSE;
  else if (opt === 'true') m.optional = OPTIONAL_TRUE;
  else if (opt === 'global') m.optional = OPTIONAL_GLOBAL;
  else throw a.fail(`Could not understand optional value for recv: ${opt}`, 'use true, false or global');
  st.lastRecvOptional = m.optional !== OPTIONAL_FALSE;
  m.cmdSrc = a.get('src');
}
