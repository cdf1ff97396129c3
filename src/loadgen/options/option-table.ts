/**
 * siptest's command-line option table: SIPp's option names, meanings, units and defaults. Every
 * option SIPp 3.6.1 knows is listed; the few siptest cannot honour are `refused` with the reason,
 * so a script that uses one stops with a clear message instead of silently running differently.
 * Options may start with "-" or "--" (SIPp accepts both).
 */
import { usageError } from '../errors.js';
import type { LogFileOption, RunOptions } from './run-options.js';
import { parseBool, parseDouble, parseLong, parseTime, splitHostPort } from './values.js';

export type OptionKind =
  'flag' | 'int' | 'float' | 'bool' | 'string' | 'time-s' | 'time-ms' | 'pair' | 'exit' | 'refused' | 'custom';

export interface OptionSpec {
  name: string;
  section: string;
  /** Argument shown in -h ("" for flags). */
  arg: string;
  help: string;
  kind: OptionKind;
  /** Number of values that follow the option (0, 1 or 2). */
  arity: number;
  apply?: (o: RunOptions, values: string[], name: string) => void;
  /** For refused options: why. */
  refusal?: string;
}

const S = {
  scenario: 'Scenario file options',
  ip: 'IP, port and protocol options',
  overall: 'SIPp overall behavior options',
  call: 'Call behavior options',
  inj: 'Injection file options',
  rtp: 'RTP behaviour options',
  rate: 'Call rate options',
  retrans: 'Retransmission and timeout options',
  pcc: 'Third-party call control options',
  perf: 'Performance and watchdog options',
  trace: 'Tracing, logging and statistics options',
  ext: 'siptest extensions',
};

const table: OptionSpec[] = [];
function opt(spec: Omit<OptionSpec, 'arity'> & { arity?: number }): void {
  const arity = spec.arity ?? (spec.kind === 'flag' || spec.kind === 'exit' ? 0 : spec.kind === 'pair' ? 2 : 1);
  table.push({ ...spec, arity });
}
const flag = (section: string, name: string, help: string, set: (o: RunOptions) => void) =>
  opt({ name, section, arg: '', help, kind: 'flag', apply: (o) => set(o) });
const int = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'int', help, kind: 'int', apply: (o, [v], n) => set(o, parseLong(v!, n)) });
const float = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'float', help, kind: 'float', apply: (o, [v], n) => set(o, parseDouble(v!, n)) });
const str = (section: string, name: string, help: string, set: (o: RunOptions, v: string) => void) =>
  opt({ name, section, arg: 'text', help, kind: 'string', apply: (o, [v]) => set(o, v!) });
const timeMs = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'time', help, kind: 'time-ms', apply: (o, [v], n) => set(o, parseTime(v!, n, 1)) });
const timeS = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'time', help, kind: 'time-s', apply: (o, [v], n) => set(o, parseTime(v!, n, 1000)) });
const bool = (section: string, name: string, help: string, set: (o: RunOptions, v: boolean) => void) =>
  opt({ name, section, arg: 'bool', help, kind: 'bool', apply: (o, [v], n) => set(o, parseBool(v!, n)) });
const refuse = (section: string, name: string, arity: number, refusal: string) =>
  opt({
    name,
    section,
    arg: arity ? 'value' : '',
    help: `Not supported by siptest: ${refusal}`,
    kind: 'refused',
    arity,
    refusal,
  });
const logName = (pick: (o: RunOptions) => LogFileOption) => (o: RunOptions, v: string) => {
  const l = pick(o);
  l.name = v;
};
const logOverwrite = (pick: (o: RunOptions) => LogFileOption) => (o: RunOptions, v: boolean) => {
  pick(o).overwrite = v;
};

// ---- scenario ------------------------------------------------------------------------------
opt({
  name: 'h',
  section: S.scenario,
  arg: '',
  help: 'Show this help ("-h stat": the statistics file columns); exit 99.',
  kind: 'exit',
});
opt({ name: 'help', section: S.scenario, arg: '', help: 'Same as -h.', kind: 'exit' });
opt({
  name: 'sd',
  section: S.scenario,
  arg: 'name',
  help: 'Print a built-in scenario (XML) and exit 99.',
  kind: 'exit',
  arity: 1,
});
str(
  S.scenario,
  'sf',
  'Load a scenario from an XML file. Log and statistics file names start with its base name.',
  (o, v) => {
    o.scenarioFile = v;
  },
);
str(
  S.scenario,
  'sn',
  'Use a built-in scenario: uac (default), uas, regexp, branchc, branchs, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, uac_pcap, ooc_default.',
  (o, v) => {
    o.scenarioName = v;
  },
);
str(S.scenario, 'oocsf', 'Out-of-call scenario file: runs for requests whose Call-ID matches no call.', (o, v) => {
  o.oocScenarioFile = v;
});
str(S.scenario, 'oocsn', 'Built-in out-of-call scenario (e.g. ooc_default).', (o, v) => {
  o.oocScenarioName = v;
});

// ---- transport and addresses ---------------------------------------------------------------
opt({
  name: 't',
  section: S.ip,
  arg: 'mode',
  help: 'Transport: u1 UDP one socket (default), un UDP one socket per call, t1 TCP one socket, tn TCP one socket per call, l1 TLS one socket, ln TLS one socket per call.',
  kind: 'custom',
  apply: (o, [v]) => {
    if (v!.length !== 2) throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
    const [t, n] = [v![0], v![1]];
    if (t === 's') throw usageError('-t s1/sn: SCTP is not supported by siptest');
    if (t === 'c') throw usageError('-t c1/cn: the compression plugin is not supported by siptest');
    if (t !== 'u' && t !== 't' && t !== 'l')
      throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
    if (n === 'i') throw usageError('-t ui (one UDP socket per injected IP address) is not supported by siptest');
    if (n !== '1' && n !== 'n')
      throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
    o.transport = t === 'u' ? 'udp' : t === 't' ? 'tcp' : 'tls';
    o.multiSocket = n === 'n';
  },
});
str(
  S.ip,
  'i',
  'Local IP address for Via, Contact and From ([local_ip]); the bind address with -bind_local.',
  (o, v) => {
    o.localIp = splitHostPort(v).host;
  },
);
int(S.ip, 'p', 'Local SIP port. Default: the first free port from 5060 to 5119, then any free port.', (o, v) => {
  o.localPort = v;
});
flag(S.ip, 'bind_local', 'Bind to the -i address instead of all addresses.', (o) => {
  o.bindLocal = true;
});
str(S.ip, 'ci', 'Local IP address of the UDP control socket.', (o, v) => {
  o.controlIp = v;
});
int(S.ip, 'cp', 'Port of the UDP control socket (default 8888; the next free one up to +60).', (o, v) => {
  o.controlPort = v;
});
int(
  S.ip,
  'max_socket',
  'Most sockets open at once in the per-call modes (default 50000); then sockets are shared.',
  (o, v) => {
    o.maxSocket = v;
  },
);
refuse(S.ip, 'max_reconnect', 1, 'TCP reconnection is not implemented');
refuse(S.ip, 'reconnect_close', 1, 'TCP reconnection is not implemented');
refuse(S.ip, 'reconnect_sleep', 1, 'TCP reconnection is not implemented');
str(
  S.ip,
  'rsa',
  'Send every message to host:port (an outbound proxy); the Request-URI keeps the remote host.',
  (o, v) => {
    o.remoteSendingAddress = v;
  },
);
str(S.ip, 'tls_cert', 'TLS certificate (PEM) for -t l1/ln, ours as server and client. Default: cacert.pem.', (o, v) => {
  o.tlsCert = v;
});
str(S.ip, 'tls_key', 'Private key (PEM) of -tls_cert. Default: cakey.pem.', (o, v) => {
  o.tlsKey = v;
});
str(
  S.ip,
  'tls_ca',
  "CA certificates (PEM) that the peer's certificate must verify against (default: no verification).",
  (o, v) => {
    o.tlsCa = v;
  },
);
str(S.ip, 'tls_version', 'TLS version to use: 1.0, 1.1, 1.2 or 1.3 (default: 1.2 or higher).', (o, v) => {
  o.tlsVersion = v;
});
refuse(S.ip, 'tls_crl', 1, 'certificate revocation lists are not supported');
for (const n of ['multihome', 'heartbeat', 'assocmaxret', 'pathmaxret', 'pmtu', 'gracefulclose'])
  refuse(S.ip, n, 1, 'SCTP is not supported');

// ---- overall -------------------------------------------------------------------------------
opt({ name: 'v', section: S.overall, arg: '', help: 'Print the version and exit 99.', kind: 'exit' });
flag(
  S.overall,
  'bg',
  'Run in the background: print "Background mode - PID=[n]" and exit 99 in the foreground.',
  (o) => {
    o.background = true;
  },
);
flag(S.overall, 'nostdin', 'Do not read keys from standard input (for scripts).', (o) => {
  o.noStdin = true;
});
refuse(S.overall, 'plugin', 1, 'SIPp plugins are C shared libraries');
timeS(S.overall, 'sleep', 'Sleep this long before starting (default unit: seconds).', (o, v) => {
  o.sleepMs = v;
});
flag(S.overall, 'skip_rlimit', 'Do not raise the open-files limit (siptest never changes it).', () => {});
int(S.overall, 'buff_size', 'Socket send and receive buffer size in bytes.', (o, v) => {
  o.bufferSize = v;
});
bool(
  S.overall,
  'sendbuffer_warn',
  'Failures to send a message outside the scenario are warnings instead of errors.',
  (o, v) => {
    o.sendBufferWarn = v;
  },
);
float(S.overall, 'lost', 'Percentage of messages to lose on purpose (overridden by the lost attribute).', (o, v) => {
  o.lostPercent = v;
});
opt({
  name: 'key',
  section: S.overall,
  arg: 'keyword value',
  help: 'Define the keyword [keyword] with this value (an empty value is allowed).',
  kind: 'pair',
  apply: (o, [k, v]) => {
    o.keywords.set(k!, v!);
  },
});
opt({
  name: 'set',
  section: S.overall,
  arg: 'variable value',
  help: 'Set the global variable $variable (declared with <Global>).',
  kind: 'pair',
  apply: (o, [k, v]) => {
    o.globals.push([k!, v!]);
  },
});
refuse(S.overall, 'tdmmap', 1, 'TDM circuit tables are not implemented');
int(S.overall, 'dynamicStart', 'First value of [dynamic_id] (default 10000).', (o, v) => {
  o.dynamicStart = v;
});
int(S.overall, 'dynamicMax', 'Largest value of [dynamic_id] before it wraps (default 12000).', (o, v) => {
  o.dynamicMax = v;
});
int(S.overall, 'dynamicStep', 'Increment of [dynamic_id] (default 4).', (o, v) => {
  o.dynamicStep = v;
});

// ---- call behaviour ------------------------------------------------------------------------
flag(S.call, 'aa', 'Answer unexpected INFO, NOTIFY, OPTIONS and UPDATE with 200 OK.', (o) => {
  o.autoAnswer = true;
});
int(S.call, 'base_cseq', 'First value of [cseq] in each call.', (o, v) => {
  o.baseCseq = v - 1;
});
str(
  S.call,
  'cid_str',
  'Call-ID format (default %u-%p@%s): %u call number, %p process id, %s local IP, %% a %.',
  (o, v) => {
    o.callIdFormat = v;
  },
);
timeMs(S.call, 'd', 'Length of a <pause/> without milliseconds (default 0; unit ms).', (o, v) => {
  o.durationMs = v;
});
timeMs(
  S.call,
  'deadcall_wait',
  'How long ended calls are remembered, so late messages count as dead-call messages (default 33 s).',
  (o, v) => {
    o.deadcallWaitMs = v;
  },
);
str(S.call, 'auth_uri', 'Digest URI to use (default remote_ip:remote_port).', (o, v) => {
  o.authUri = v;
});
str(S.call, 'au', 'Digest username (default: the -s value).', (o, v) => {
  o.authUser = v;
});
str(S.call, 'ap', "Digest password (default 'password').", (o, v) => {
  o.authPassword = v;
});
str(S.call, 's', "User part of the Request-URI, [service] (default 'service').", (o, v) => {
  o.service = v;
});
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
});
flag(S.call, 'nd', 'No default behaviours (same as -default_behaviors none).', (o) => {
  o.defaultBehaviors = 0;
});
flag(S.call, 'pause_msg_ign', 'Ignore messages that arrive during a <pause>.', (o) => {
  o.pauseMsgIgnore = true;
});
flag(S.call, 'callid_slash_ign', 'Do not treat "///" in a Call-ID as a prefix separator.', (o) => {
  o.callIdSlashIgnore = true;
});

// ---- injection -----------------------------------------------------------------------------
str(
  S.inj,
  'inf',
  'Injection file (CSV with ";"); the first line is SEQUENTIAL, RANDOM or USER. May be repeated.',
  (o, v) => {
    o.injectionFiles.push(v);
  },
);
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
});
refuse(S.inj, 'ip_field', 1, '-t ui is not supported');

// ---- RTP -----------------------------------------------------------------------------------
str(S.rtp, 'mi', 'Media IP address for [media_ip] (default: the local IP).', (o, v) => {
  o.mediaIp = splitHostPort(v).host;
});
refuse(S.rtp, 'rtp_echo', 0, 'RTP media is not supported yet');
refuse(S.rtp, 'mb', 1, 'RTP media is not supported yet');
int(S.rtp, 'mp', 'Media port for [media_port] (default 6000). siptest sends no RTP.', (o, v) => {
  o.mediaPort = v;
});
for (const n of ['rtp_payload', 'rtp_threadtasks', 'rtp_buffsize'])
  refuse(S.rtp, n, 1, 'RTP media is not supported yet');

// ---- rate ----------------------------------------------------------------------------------
float(S.rate, 'r', 'Call rate: calls per rate period (default 10).', (o, v) => {
  o.rate = v;
});
timeMs(S.rate, 'rp', 'Rate period (default 1 s; unit ms): -r 7 -rp 2000 is 3.5 calls per second.', (o, v) => {
  o.ratePeriodMs = v;
});
float(S.rate, 'rate_scale', 'Step of the + - * / keys (default 1).', (o, v) => {
  o.rateScale = v;
});
int(S.rate, 'rate_increase', 'Add this to the rate every -rate_interval.', (o, v) => {
  o.rateIncrease = v;
});
int(S.rate, 'rate_max', 'With -rate_increase: stop when the rate passes this value.', (o, v) => {
  o.rateMax = v;
});
timeS(S.rate, 'rate_interval', 'Ramp interval (default: the -fd value; unit s).', (o, v) => {
  o.rateIntervalMs = v;
});
flag(S.rate, 'no_rate_quit', 'With -rate_max: keep running at the maximum rate.', (o) => {
  o.rateQuit = false;
});
opt({
  name: 'l',
  section: S.rate,
  arg: 'int',
  help: 'Most simultaneous calls (default 3 × rate × max(call length, 1 s) / rate period).',
  kind: 'custom',
  apply: (o, [v], n) => {
    if (o.users >= 0) throw usageError('Can not set open call limit (-l) when -users is specified.');
    o.limit = parseLong(v!, n);
    o.limitSet = true;
  },
});
int(S.rate, 'm', 'Stop after this many calls (incoming plus outgoing) and exit when they end.', (o, v) => {
  o.stopAfter = v;
});
int(S.rate, 'users', 'Closed loop: keep this many calls running instead of a rate.', (o, v) => {
  o.users = v;
  o.limit = v;
  o.limitSet = true;
});

// ---- retransmission and timeouts -----------------------------------------------------------
timeMs(
  S.retrans,
  'recv_timeout',
  'Default timeout of every <recv> (unit ms): the call fails or jumps to ontimeout.',
  (o, v) => {
    o.recvTimeoutMs = v;
  },
);
timeMs(S.retrans, 'send_timeout', 'Timeout of a send blocked by congestion (unit ms).', (o, v) => {
  o.sendTimeoutMs = v;
});
timeS(
  S.retrans,
  'timeout',
  'Global run time (unit s): stop placing calls, wait for the running ones, exit.',
  (o, v) => {
    o.globalTimeoutMs = v;
  },
);
flag(S.retrans, 'timeout_error', 'Reaching -timeout is a fatal error (exit 255).', (o) => {
  o.timeoutError = true;
});
int(
  S.retrans,
  'max_retrans',
  'Most UDP retransmissions before a call fails (default 5 for INVITE, 9 otherwise).',
  (o, v) => {
    o.maxUdpRetrans = v;
  },
);
int(S.retrans, 'max_invite_retrans', 'Most UDP retransmissions of an INVITE (default 5).', (o, v) => {
  o.maxInviteRetrans = v;
});
int(S.retrans, 'max_non_invite_retrans', 'Most UDP retransmissions of other requests (default 9).', (o, v) => {
  o.maxNonInviteRetrans = v;
});
flag(S.retrans, 'nr', 'No UDP retransmissions.', (o) => {
  o.retransEnabled = false;
});
opt({
  name: 'rtcheck',
  section: S.retrans,
  arg: 'full|loose',
  help: 'How received retransmissions are recognised: full message (default) or To/From/Call-ID/CSeq.',
  kind: 'custom',
  apply: (o, [v]) => {
    if (v !== 'full' && v !== 'loose') throw usageError(`Unknown retransmission detection method: ${v}`);
    o.rtcheck = v;
  },
});
timeMs(S.retrans, 'T2', 'T2 timer (default 4000 ms).', (o, v) => {
  o.t2Ms = v;
});

// ---- 3PCC ----------------------------------------------------------------------------------
for (const n of ['3pcc', 'master', 'slave', 'slave_cfg'])
  refuse(S.pcc, n, 1, 'third-party call control (twin SIPp) is not implemented');

// ---- performance ---------------------------------------------------------------------------
timeMs(S.perf, 'timer_resol', 'Scheduler resolution: paused calls wake at most this often (default 1 ms).', (o, v) => {
  o.timerResolutionMs = Math.max(1, v);
});
int(
  S.perf,
  'max_recv_loops',
  'Accepted for SIPp scripts; no effect: Node reads the sockets as fast as it can.',
  (o, v) => {
    o.maxRecvLoops = v;
  },
);
int(S.perf, 'max_sched_loops', 'Most calls run per scheduling cycle (default 1000).', (o, v) => {
  o.maxSchedLoops = v;
});
timeMs(S.perf, 'watchdog_interval', 'Watchdog period (default 400 ms; 0 turns the watchdog off).', (o, v) => {
  o.watchdogIntervalMs = v;
});
timeMs(
  S.perf,
  'watchdog_reset',
  'Reset the trip counts when the watchdog has not tripped for this long (default 10 min).',
  (o, v) => {
    o.watchdogResetMs = v;
  },
);
timeMs(S.perf, 'watchdog_minor_threshold', 'A stall longer than this is a minor trip (default 500 ms).', (o, v) => {
  o.watchdogMinorThresholdMs = v;
});
timeMs(S.perf, 'watchdog_major_threshold', 'A stall longer than this is a major trip (default 3000 ms).', (o, v) => {
  o.watchdogMajorThresholdMs = v;
});
int(S.perf, 'watchdog_major_maxtriggers', 'Major trips before the test stops (default 10).', (o, v) => {
  o.watchdogMajorMaxTriggers = v;
});
int(S.perf, 'watchdog_minor_maxtriggers', 'Minor trips before the test stops (default 120).', (o, v) => {
  o.watchdogMinorMaxTriggers = v;
});

// ---- tracing and statistics ----------------------------------------------------------------
timeS(S.trace, 'f', 'Screen refresh period (default 1 s).', (o, v) => {
  o.reportFreqMs = v;
});
flag(S.trace, 'trace_stat', 'Write statistics to <scenario>_<pid>_.csv every -fd (see -h stat).', (o) => {
  o.traceStat = true;
});
str(S.trace, 'stat_delimiter', 'Delimiter of the statistics files (default ";").', (o, v) => {
  o.statDelimiter = v;
});
str(S.trace, 'stf', 'Name of the statistics file.', (o, v) => {
  o.statFile = v;
});
timeS(S.trace, 'fd', 'Statistics file period (default 60 s).', (o, v) => {
  o.dumpLogFreqMs = v;
});
flag(S.trace, 'periodic_rtd', 'Reset the response-time repartitions at every statistics row.', (o) => {
  o.periodicRtd = true;
});
const logOpts: Array<[string, string, (o: RunOptions) => LogFileOption, string]> = [
  ['trace_msg', 'message', (o) => o.messages, 'every message sent and received: <scenario>_<pid>_messages.log'],
  [
    'trace_shortmsg',
    'shortmessage',
    (o) => o.shortMessages,
    'one line per message: <scenario>_<pid>_shortmessages.log',
  ],
  ['trace_err', 'error', (o) => o.errors, 'unexpected messages and errors: <scenario>_<pid>_errors.log'],
  ['trace_calldebug', 'calldebug', (o) => o.callDebug, 'the messages of failed calls: <scenario>_<pid>_calldebug.log'],
  ['trace_screen', 'screen', (o) => o.screen, 'the screens at exit: <scenario>_<pid>_screen.log'],
  ['trace_logs', 'log', (o) => o.logs, 'the output of <log> actions: <scenario>_<pid>_logs.log'],
];
for (const [traceName, base, pick, what] of logOpts) {
  flag(S.trace, traceName, `Log ${what}.`, (o) => {
    pick(o).enabled = true;
  });
  str(S.trace, `${base}_file`, `Name of the ${base} log file.`, logName(pick));
  bool(S.trace, `${base}_overwrite`, `Overwrite the ${base} log file (default true) or append.`, logOverwrite(pick));
}
flag(S.trace, 'trace_counts', 'Write per-message counters to <scenario>_<pid>_counts.csv.', (o) => {
  o.traceCounts = true;
});
flag(
  S.trace,
  'trace_error_codes',
  'Write the codes of unexpected responses to <scenario>_<pid>_error_codes.csv.',
  (o) => {
    o.traceErrorCodes = true;
  },
);
flag(S.trace, 'trace_rtt', 'Write every response time to <scenario>_<pid>_rtt.csv.', (o) => {
  o.traceRtt = true;
});
int(S.trace, 'rtt_freq', 'Write the response times every this many samples (default 200).', (o, v) => {
  o.rttFreq = v;
});
refuse(S.trace, 'ringbuffer_files', 1, 'log rotation is not implemented');
refuse(S.trace, 'ringbuffer_size', 1, 'log rotation is not implemented');
refuse(S.trace, 'max_log_size', 1, 'log size limits are not implemented');

// ---- siptest -------------------------------------------------------------------------------
flag(S.ext, 'json', 'Print a JSON summary on stdout at exit (counts, response codes, latency percentiles).', (o) => {
  o.json = true;
});
int(
  S.ext,
  'workers',
  'Client load on this many threads (each with its own socket and share of -r, -m, -l).',
  (o, v) => {
    if (v < 1 || v > 64) throw usageError(`-workers must be between 1 and 64, not ${v}`);
    o.workers = v;
  },
);

export const optionTable: readonly OptionSpec[] = table;
const byName = new Map(table.map((s) => [s.name, s]));

/** Look an argument up as SIPp does: "-name" or "--name". */
export function findOption(arg: string): OptionSpec | undefined {
  if (!arg.startsWith('-')) return undefined;
  const name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  return byName.get(name);
}
