/**
 * The value of each simple [keyword] of a message template for one call (SIPp's
 * createSendingMessage, E_Message_*): addresses and ports, the call's identity, the dialog, the
 * last received message, clocks. [len] and [routes] change the text around them: compose.ts.
 */
import type { SimpleKeyword } from '../scenario/message-template.js';
import { formatTime } from '../stats/format.js';
import type { Call } from './call.js';

const VERSION = 'siptest-0.1.0';
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

function httpDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} GMT`;
}

/**
 * `off` is the keyword's offset ([cseq+1]); `index` the message's scenario index (-1: a default
 * message sent on abort, -2: keyword text in an action).
 */
export type KeywordValue = (call: Call, off: number, index: number) => string | number;

export const KEYWORD_VALUES: Record<Exclude<SimpleKeyword, 'len' | 'routes'>, KeywordValue> = {
  // addresses and ports
  remote_ip: (call) => call.engine.remote?.ipEscaped ?? '',
  remote_host: (call) => call.engine.remote?.host ?? '',
  remote_port: (call, off) => (call.engine.remote?.port ?? 0) + off,
  local_ip: (call) => call.engine.local.ipEscaped,
  local_port: (call, off) => call.localPort() + off,
  transport: (call) => call.engine.transportName,
  local_ip_type: (call) => call.engine.local.ipType,
  server_ip: (call) => call.socket?.localAddress ?? call.engine.local.ip,
  media_ip: (call) => call.engine.media.ip,
  media_ip_type: (call) => call.engine.media.ipType,
  media_port: (call, off) => call.engine.media.port + off,
  rtpstream_audio_port: (call, off) => call.engine.media.port + off,
  rtpstream_video_port: (call, off) => call.engine.media.port + off,
  auto_media_port: (call, off) => call.engine.media.port + ((4 * (call.number - 1)) % 10000) + off,
  // the call's identity
  call_number: (call) => call.number,
  dynamic_id: (call) => call.engine.ids.nextDynamicId(),
  call_id: (call) => call.id,
  cseq: (call, off) => call.cseq + off,
  pid: (call) => call.engine.ids.pid,
  service: (call) => call.engine.opts.service,
  // In an action (index -2) the branch is the one of the message just sent or received.
  branch: (call, off, index) =>
    `z9hG4bK-${call.engine.ids.pid}-${call.number}-${(index === -2 ? call.msgIndex - 1 : index) + off}`,
  msg_index: (_call, _off, index) => index,
  users: (call) => call.engine.opts.users,
  userid: (call) => call.userId,
  // the dialog and the last message received
  next_url: (call) => call.nextReqUrl ?? '',
  peer_tag_param: (call) => (call.peerTag !== undefined ? ';tag=' + call.peerTag : ''),
  last_Request_URI: (call) => call.lastRequestUri(),
  last_cseq_number: (call, off) => call.lastCseqNumber() + off,
  last_message: (call) => call.lastRecv?.text ?? '',
  tdmmap: () => '',
  // clocks
  clock_tick: (call) => call.engine.now(),
  timestamp: () => formatTime(Date.now() * 1000),
  date: () => httpDate(new Date()),
  sipp_version: () => VERSION,
};
