/**
 * SIPp's default abort/auto-answer messages (call.cpp), overridable with <DefaultMessage>.
 * 3pcc_abort is not SIP: the command a 3PCC call sends its twin when it aborts on an unexpected
 * message, so the twin's call aborts too (call::checkInternalCmd).
 */
export const DEFAULT_MESSAGES: Record<string, string> = {
  '3pcc_abort': 'call-id: [call_id]\ninternal-cmd: abort_call\n\n',
  ack:
    'ACK [last_Request_URI] SIP/2.0\n[last_Via]\n[last_From]\n[last_To]\nCall-ID: [call_id]\nCSeq: [last_cseq_number] ACK\n' +
    'Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nMax-Forwards: 70\nSubject: Performance Test\nContent-Length: 0\n\n',
  ack2:
    'ACK [last_Request_URI] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n[last_From]\n[last_To]\n' +
    'Call-ID: [call_id]\nCSeq: [last_cseq_number] ACK\nContact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\n' +
    'Max-Forwards: 70\nSubject: Performance Test\nContent-Length: 0\n\n',
  bye:
    'BYE [last_Request_URI] SIP/2.0\nVia: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n[last_From]\n[last_To]\n' +
    'Call-ID: [call_id]\nCSeq: [last_cseq_number+1] BYE\nMax-Forwards: 70\n' +
    'Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
  cancel:
    'CANCEL [last_Request_URI] SIP/2.0\n[last_Via]\n[last_From]\n[last_To]\nCall-ID: [call_id]\nCSeq: [last_cseq_number] CANCEL\n' +
    'Max-Forwards: 70\nContact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
  '200':
    'SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n' +
    'Contact: <sip:[local_ip]:[local_port];transport=[transport]>\nContent-Length: 0\n\n',
};

/** The default messages that are commands, built without SIP's start-line check. */
export const NOT_SIP = new Set(['3pcc_abort']);
