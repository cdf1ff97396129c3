/**
 * Everything a siptest run is configured with, after the command line is parsed. Names follow
 * SIPp's options; times are milliseconds; defaults are SIPp 3.6.1's (include/sipp.hpp).
 */
export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface LogFileOption {
  enabled: boolean;
  /** Fixed name from -message_file etc.; otherwise <scenario>_<pid>_<kind>.log */
  name?: string;
  overwrite: boolean;
}

export interface RunOptions {
  remoteHost?: string;
  scenarioFile?: string;
  scenarioName?: string;
  oocScenarioFile?: string;
  oocScenarioName?: string;
  transport: TransportName;
  /** -t un / tn: one socket per call */
  multiSocket: boolean;
  localIp?: string;
  localPort: number;
  bindLocal: boolean;
  remoteSendingAddress?: string;
  maxSocket: number;
  service: string;
  authUser?: string;
  authPassword: string;
  authUri?: string;
  mediaIp?: string;
  /** -mp (SIPp 3.6.1: the one port tried) or the default 6000 (then up to 100 even ports tried). */
  mediaPort: number;
  mediaPortSet: boolean;
  /** -max_rtp_port (SIPp 3.7): the highest port tried from -min_rtp_port (default 65535). */
  maxRtpPort: number;
  /** -rtp_echo: echo RTP received on the media ports to its sender. */
  rtpEcho: boolean;
  /** -mb: the largest echoed datagram (bytes beyond it are cut, as SIPp's recvfrom does). */
  mediaBufSize: number;
  /** -rtp_payload: payload type of <exec rtp_stream> without one (default 8, PCMA). */
  rtpPayload: number;
  /** -rtp_buffsize: the media sockets' send and receive buffer size. */
  rtpBuffSize: number;
  rate: number;
  ratePeriodMs: number;
  rateScale: number;
  rateIncrease: number;
  rateMax: number;
  rateIntervalMs: number;
  rateQuit: boolean;
  /** -l; 0 = computed from the rate like SIPp */
  limit: number;
  limitSet: boolean;
  /** -users; -1 = rate mode */
  users: number;
  stopAfter: number;
  durationMs: number;
  recvTimeoutMs: number;
  sendTimeoutMs: number;
  globalTimeoutMs: number;
  timeoutError: boolean;
  maxUdpRetrans: number;
  maxInviteRetrans: number;
  maxNonInviteRetrans: number;
  retransEnabled: boolean;
  rtcheck: 'full' | 'loose';
  t2Ms: number;
  autoAnswer: boolean;
  baseCseq: number;
  callIdFormat: string;
  deadcallWaitMs: number;
  /** bit set: 1 bye, 2 abortunexp, 4 pingreply */
  defaultBehaviors: number;
  pauseMsgIgnore: boolean;
  callIdSlashIgnore: boolean;
  injectionFiles: string[];
  injectionIndexes: Array<{ file: string; field: number }>;
  ipField: number;
  keywords: Map<string, string>;
  globals: Array<[string, string]>;
  dynamicStart: number;
  dynamicMax: number;
  dynamicStep: number;
  lostPercent: number;
  statFile?: string;
  traceStat: boolean;
  statDelimiter: string;
  dumpLogFreqMs: number;
  periodicRtd: boolean;
  traceCounts: boolean;
  traceRtt: boolean;
  rttFreq: number;
  traceErrorCodes: boolean;
  messages: LogFileOption;
  shortMessages: LogFileOption;
  errors: LogFileOption;
  callDebug: LogFileOption;
  screen: LogFileOption;
  logs: LogFileOption;
  reportFreqMs: number;
  noStdin: boolean;
  background: boolean;
  sleepMs: number;
  bufferSize: number;
  sendBufferWarn: boolean;
  timerResolutionMs: number;
  maxRecvLoops: number;
  maxSchedLoops: number;
  watchdogIntervalMs: number;
  watchdogResetMs: number;
  watchdogMinorThresholdMs: number;
  watchdogMajorThresholdMs: number;
  watchdogMinorMaxTriggers: number;
  watchdogMajorMaxTriggers: number;
  controlIp?: string;
  controlPort: number;
  /** siptest: print a JSON summary on stdout */
  json: boolean;
  /** siptest: worker threads for client load (1 = single thread) */
  workers: number;
  /** -tls_cert, -tls_key, -tls_ca: PEM files for -t l1/ln (default cacert.pem, cakey.pem, none) */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  /** -tls_version: 1.0 to 1.3 */
  tlsVersion?: string;
  /** -wss: -t w1/wn over TLS (transport becomes "wss" once the command line is read) */
  secureWebSocket?: boolean;
  /** -ws_path: the HTTP path of WebSocket upgrades (-t w1/wn; default "/") */
  wsPath?: string;
  /** -3pcc host[:port]: the twin's command channel (SIPp's default port 6060) */
  twinAddress?: string;
  /** -master / -slave: this instance's name in the -slave_cfg file (extended 3PCC) */
  masterName?: string;
  slaveName?: string;
  /** -slave_cfg: the file of `name;host:port` lines (extended 3PCC) */
  slaveCfgFile?: string;
}

export function defaultRunOptions(): RunOptions {
  const log = (): LogFileOption => ({ enabled: false, overwrite: true });
  return {
    transport: 'udp',
    multiSocket: false,
    localPort: 0,
    bindLocal: false,
    maxSocket: 50000,
    service: 'service',
    authPassword: 'password',
    mediaPort: 6000,
    mediaPortSet: false,
    maxRtpPort: 65535,
    rtpEcho: false,
    mediaBufSize: 2048,
    rtpPayload: 8,
    rtpBuffSize: 65535,
    rate: 10,
    ratePeriodMs: 1000,
    rateScale: 1,
    rateIncrease: 0,
    rateMax: 0,
    rateIntervalMs: 0,
    rateQuit: true,
    limit: 0,
    limitSet: false,
    users: -1,
    stopAfter: 0xffffffff,
    durationMs: 0,
    recvTimeoutMs: 0,
    sendTimeoutMs: 0,
    globalTimeoutMs: 0,
    timeoutError: false,
    maxUdpRetrans: 9,
    maxInviteRetrans: 5,
    maxNonInviteRetrans: 9,
    retransEnabled: true,
    rtcheck: 'full',
    t2Ms: 4000,
    autoAnswer: false,
    baseCseq: 0,
    callIdFormat: '%u-%p@%s',
    deadcallWaitMs: 33000,
    defaultBehaviors: 7,
    pauseMsgIgnore: false,
    callIdSlashIgnore: false,
    injectionFiles: [],
    injectionIndexes: [],
    ipField: -1,
    keywords: new Map(),
    globals: [],
    dynamicStart: 10000,
    dynamicMax: 12000,
    dynamicStep: 4,
    lostPercent: 0,
    traceStat: false,
    statDelimiter: ';',
    dumpLogFreqMs: 60000,
    periodicRtd: false,
    traceCounts: false,
    traceRtt: false,
    rttFreq: 200,
    traceErrorCodes: false,
    messages: log(),
    shortMessages: log(),
    errors: log(),
    callDebug: log(),
    screen: log(),
    logs: log(),
    reportFreqMs: 1000,
    noStdin: false,
    background: false,
    sleepMs: 0,
    bufferSize: 65535,
    sendBufferWarn: false,
    timerResolutionMs: 1,
    maxRecvLoops: 1000,
    maxSchedLoops: 1000,
    watchdogIntervalMs: 400,
    watchdogResetMs: 600000,
    watchdogMinorThresholdMs: 500,
    watchdogMajorThresholdMs: 3000,
    watchdogMinorMaxTriggers: 120,
    watchdogMajorMaxTriggers: 10,
    controlPort: 0,
    json: false,
    workers: 1,
  };
}
