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
import type { ScenarioMessage } from './model.js';
import { checkOptionalRecv, readRecvOptional } from './read-messages.js';
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
  readRecvOptional(st, m, a);
  m.cmdSrc = a.get('src');
}
