/** Call behaviour, injection file and RTP options (SIPp 3.6.1's, with 3.7's RTP port range). */
import { usageError } from '../../errors.js';
import { splitHostPort } from '../values.js';
import { S, opt, flag, int, str, timeMs, refuse, type OptionSpec } from './spec.js';

export const callOptions: OptionSpec[] = [
  flag(S.call, 'aa', 'Answer unexpected INFO, NOTIFY, OPTIONS and UPDATE with 200 OK.', (o) => {
    o.autoAnswer = true;
  }),
  int(S.call, 'base_cseq', 'First value of [cseq] in each call.', (o, v) => {
    o.baseCseq = v - 1;
  }),
  str(
    S.call,
    'cid_str',
    'Call-ID format (default %u-%p@%s): %u call number, %p process id, %s local IP, %% a %.',
    (o, v) => {
      o.callIdFormat = v;
    },
  ),
  timeMs(S.call, 'd', 'Length of a <pause/> without milliseconds (default 0; unit ms).', (o, v) => {
    o.durationMs = v;
  }),
  timeMs(
    S.call,
    'deadcall_wait',
    'How long ended calls are remembered, so late messages count as dead-call messages (default 33 s).',
    (o, v) => {
      o.deadcallWaitMs = v;
    },
  ),
  str(S.call, 'auth_uri', 'Digest URI to use (default remote_ip:remote_port).', (o, v) => {
    o.authUri = v;
  }),
  str(S.call, 'au', 'Digest username (default: the -s value).', (o, v) => {
    o.authUser = v;
  }),
  str(S.call, 'ap', "Digest password (default 'password').", (o, v) => {
    o.authPassword = v;
  }),
  str(S.call, 's', "User part of the Request-URI, [service] (default 'service').", (o, v) => {
    o.service = v;
  }),
  opt({
    name: 'default_behaviors',
    section: S.call,
    arg: 'list',
    help: 'Default behaviours: all, none, bye, abortunexp, pingreply; a leading - removes one (all,-bye).',
    kind: 'custom',
    apply: (o, [v]) => {
      let mask = 0;
      for (const token of v!.split(',').filter((t) => t.length > 0)) {
        if (token === 'none') {
          mask = 0;
          continue;
        }
        const neg = token.startsWith('-');
        const name = token.startsWith('-') || token.startsWith('+') ? token.slice(1) : token;
        const bit = { all: 7, bye: 1, abortunexp: 2, pingreply: 4 }[name];
        if (bit === undefined) throw usageError(`Unknown default behavior: '${token}'`);
        mask = neg ? mask & ~bit : mask | bit;
      }
      o.defaultBehaviors = mask;
    },
  }),
  flag(S.call, 'nd', 'No default behaviours (same as -default_behaviors none).', (o) => {
    o.defaultBehaviors = 0;
  }),
  flag(S.call, 'pause_msg_ign', 'Ignore messages that arrive during a <pause>.', (o) => {
    o.pauseMsgIgnore = true;
  }),
  flag(S.call, 'callid_slash_ign', 'Do not treat "///" in a Call-ID as a prefix separator.', (o) => {
    o.callIdSlashIgnore = true;
  }),

  // ---- injection -----------------------------------------------------------------------------
  str(
    S.inj,
    'inf',
    'Injection file (CSV with ";"); the first line is SEQUENTIAL, RANDOM or USER. May be repeated.',
    (o, v) => {
      o.injectionFiles.push(v);
    },
  ),
  opt({
    name: 'infindex',
    section: S.inj,
    arg: 'file field',
    help: 'Index an injection file on a field, for the <lookup> action.',
    kind: 'pair',
    apply: (o, [f, n], name) => {
      if (!/^\d+$/.test(n!)) throw usageError(`Invalid field specification for -${name}: ${n}`);
      o.injectionIndexes.push({ file: f!, field: Number(n) });
    },
  }),
  refuse(S.inj, 'ip_field', 1, '-t ui is not supported'),

  // ---- RTP -----------------------------------------------------------------------------------
  str(S.rtp, 'mi', 'Media IP address for [media_ip] (default: the local IP).', (o, v) => {
    o.mediaIp = splitHostPort(v).host;
  }),
  flag(
    S.rtp,
    'rtp_echo',
    'Echo RTP/UDP packets received on the -mp port to their sender; packets on that port + 2 too (video).',
    (o) => {
      o.rtpEcho = true;
    },
  ),
  int(S.rtp, 'mb', 'RTP echo buffer size: longer datagrams are cut (default 2048).', (o, v) => {
    o.mediaBufSize = v;
  }),
  int(
    S.rtp,
    'mp',
    'Local RTP port (audio; video is +2, RTCP +1 left free), [media_port]. Default 6000, then the next even port.',
    (o, v) => {
      o.mediaPort = v;
      o.mediaPortSet = true;
    },
  ),
  int(S.rtp, 'min_rtp_port', 'Lowest RTP port tried (SIPp 3.7), up to -max_rtp_port, even ports.', (o, v) => {
    o.mediaPort = v;
    o.mediaPortSet = false;
  }),
  int(S.rtp, 'max_rtp_port', 'Highest RTP port tried from -min_rtp_port (SIPp 3.7; default 65535).', (o, v) => {
    o.maxRtpPort = v;
  }),
  int(S.rtp, 'rtp_payload', 'RTP payload type of <exec rtp_stream> without one (default 8).', (o, v) => {
    o.rtpPayload = v;
  }),
  int(S.rtp, 'rtp_threadtasks', 'Accepted for SIPp compatibility: siptest plays every stream on one thread.', () => {}),
  int(S.rtp, 'rtp_buffsize', 'Send and receive buffer size of the RTP sockets (default 65535).', (o, v) => {
    o.rtpBuffSize = v;
  }),
];
