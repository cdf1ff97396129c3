/**
 * What SIPp reads in a received 3PCC command's text (sip_parser.cpp get_call_id, call.cpp
 * checkInternalCmd, check_peer_src and process_twinSippCom). A command is not a SIP message: it
 * has no start line, so the first line may already be a header.
 */

/**
 * The Call-ID (SIPp's internal_find_header with "Call-ID"/"i", case-insensitive, from the first
 * line to the end of the headers; the value after the colon and any linear white space, to the end
 * of its line). "" when there is none: SIPp discards such a command.
 */
export function commandCallId(text: string): string {
  let pos = 0;
  for (;;) {
    const m = /^(?:call-id|i)[ \t]*:/i.exec(text.slice(pos, pos + 16));
    if (m) {
      let v = pos + m[0].length;
      while (v < text.length && ' \t\r\n'.includes(text[v]!)) v++;
      let end = v;
      while (end < text.length && text[end] !== '\r' && text[end] !== '\n') end++;
      return text.slice(v, end);
    }
    const nl = text.indexOf('\n', pos);
    // Stop at the end of the text or of the headers (an empty line).
    if (nl < 0 || text.startsWith('\r\n', nl + 1) || text[nl + 1] === '\n') return '';
    pos = nl + 1;
  }
}

/**
 * The first word after the first "From:" (extended 3PCC: the sender's name, which a
 * recvCmd src= must equal). Like SIPp it needs a blank or line end after the word.
 */
export function commandSender(text: string): string | undefined {
  return wordAfter(text, 'From:');
}

/** True when the command is SIPp's "internal-cmd: abort_call" (a twin call aborted). */
export function isAbortCommand(text: string): boolean {
  return wordAfter(text, 'internal-cmd:') === 'abort_call';
}

function wordAfter(text: string, label: string): string | undefined {
  const at = text.indexOf(label);
  if (at < 0) return undefined;
  let i = at + label.length;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let end = i;
  while (end < text.length && !' \t\r\n'.includes(text[end]!)) end++;
  // SIPp's loop needs a delimiter after the word (the word must not end the text).
  if (end === i || end >= text.length) return undefined;
  return text.slice(i, end);
}

/**
 * SIPp strips every trailing CRLF of a received command before its actions run ("necessary for
 * transport, to be removed for usage").
 */
export function stripTrailingCrlf(text: string): string {
  let end = text.length;
  while (end >= 2 && text.charCodeAt(end - 1) === 10 && text.charCodeAt(end - 2) === 13) end -= 2;
  return text.slice(0, end);
}
