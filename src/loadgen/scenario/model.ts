/**
 * The loaded scenario: SIPp's `scenario` and `message` classes as plain data. Indexes are SIPp's
 * (0-based message index; rtd/counter ids 1-based, 0 = none; -1 = no label/variable).
 */
import type { PcapFile } from '../media/pcap-file.js';
import type { StreamSpec } from '../media/rtp-stream.js';
import type { Distribution } from './distribution.js';
import type { MessageTemplate } from './message-template.js';
import type { VariableAllocator, VarRef } from './variables.js';

export type MessageKind = 'send' | 'recv' | 'pause' | 'nop' | 'sendCmd' | 'recvCmd';
export const OPTIONAL_FALSE = 0;
export const OPTIONAL_TRUE = 1;
export const OPTIONAL_GLOBAL = 2;

export type Comparator =
  'equal' | 'not_equal' | 'greater_than' | 'less_than' | 'greater_than_equal' | 'less_than_equal';

export type Action =
  | {
      type: 'ereg';
      regexp: RegExp;
      source: string;
      where: 'msg' | 'hdr' | 'body' | 'var';
      header?: string;
      inVar?: VarRef;
      occurrence: number;
      caseIndep: boolean;
      headersOnly: boolean;
      checkIt: boolean;
      checkItInverse: boolean;
      assignTo: VarRef;
      subVars: VarRef[];
    }
  | { type: 'log' | 'warning' | 'error' | 'exec'; message: MessageTemplate }
  | { type: 'int_cmd'; cmd: 'stop_call' | 'stop_gracefully' | 'stop_now' }
  | { type: 'play_pcap'; kind: 'audio' | 'video' | 'image'; pcap: PcapFile }
  | { type: 'play_dtmf'; message: MessageTemplate }
  | { type: 'rtp_stream'; spec: StreamSpec }
  | { type: 'rtp_stream_pause' | 'rtp_stream_resume' }
  | { type: 'rtp_echo'; value?: number; inVar?: VarRef }
  | {
      type: 'assign' | 'add' | 'subtract' | 'multiply' | 'divide' | 'jump' | 'pauserestore';
      assignTo?: VarRef;
      value?: number;
      inVar?: VarRef;
    }
  | { type: 'assignstr'; assignTo: VarRef; message: MessageTemplate }
  | { type: 'gettimeofday'; assignTo: VarRef; usecVar: VarRef }
  | { type: 'index'; assignTo: VarRef }
  | { type: 'sample'; assignTo: VarRef; distribution: Distribution }
  | { type: 'todouble'; assignTo: VarRef; inVar: VarRef }
  | {
      type: 'test';
      assignTo?: VarRef;
      inVar: VarRef;
      inVar2?: VarRef;
      value: number;
      compare: Comparator;
      checkIt: boolean;
      checkItInverse: boolean;
    }
  | {
      type: 'strcmp';
      assignTo?: VarRef;
      inVar: VarRef;
      inVar2?: VarRef;
      value: string;
      checkIt: boolean;
      checkItInverse: boolean;
    }
  | { type: 'trim'; assignTo: VarRef }
  | { type: 'verifyauth'; assignTo: VarRef; username: MessageTemplate; password: MessageTemplate }
  | { type: 'lookup'; assignTo: VarRef; file: MessageTemplate; key: MessageTemplate }
  | { type: 'insert'; file: MessageTemplate; value: MessageTemplate }
  | { type: 'replace'; file: MessageTemplate; line: MessageTemplate; value: MessageTemplate }
  | { type: 'setdest'; host: MessageTemplate; port: MessageTemplate; protocol: MessageTemplate }
  | { type: 'closecon' };

export interface ScenarioMessage {
  index: number;
  kind: MessageKind;
  /** Source line of the element, for errors and warnings. */
  line: number;
  desc: string;
  // <send>
  send?: MessageTemplate;
  retransDelay: number;
  timeout: number;
  startTxn: number;
  ackTxn: number;
  // <recv>
  recvResponse: number;
  recvRequest?: string;
  regexpMatch: boolean;
  requestRegexp?: RegExp;
  /** Methods sent before this <recv> (SIPp concatenates them; matched with indexOf). */
  responseMethods?: string;
  responseTxn: number;
  optional: number;
  advanceState: boolean;
  rrs: boolean;
  auth: boolean;
  ignoreSdp: boolean;
  // <pause>
  pause?: Distribution;
  pauseVariable?: VarRef;
  timewait: boolean;
  // <sendCmd> / <recvCmd> (twin-SIPp 3PCC)
  cmd?: MessageTemplate;
  /** Extended 3PCC: the -slave_cfg name a sendCmd goes to (dest=) / a recvCmd must come from (src=). */
  cmdDest?: string;
  cmdSrc?: string;
  // common
  startRtd: number;
  stopRtd: number;
  repeatRtd: boolean;
  counter: number;
  actions: Action[];
  lost: number;
  crlf: boolean;
  hide: boolean;
  display?: string;
  condexec?: VarRef;
  condexecInverse: boolean;
  next: number;
  nextLabel?: string;
  test?: VarRef;
  /** 0 = always branch; else branch when Math.random() > chance. */
  chance: number;
  onTimeout: number;
  onTimeoutLabel?: string;
}

export interface Transaction {
  name: string;
  started: number;
  responses: number;
  acks: number;
  isInvite: boolean;
}

export interface Scenario {
  name: string;
  /** Base name for log and statistics files. */
  fileBase: string;
  source: string;
  messages: ScenarioMessage[];
  initMessages: ScenarioMessage[];
  labels: Map<string, number>;
  /** Sum of the 99th percentile of every pause: the expected call length (ms). */
  durationMs: number;
  callVars: VariableAllocator;
  userVars: VariableAllocator;
  globalVars: VariableAllocator;
  rtdNames: string[];
  /** Response time repartition bucket limits per RTD (undefined = none defined). */
  rtdRepartitions: Array<number[] | undefined>;
  callLengthRepartition?: number[];
  counterNames: string[];
  transactions: Transaction[];
  unexpectedJump: number;
  retaddr?: VarRef;
  pausedaddr?: VarRef;
  defaultMessages: Map<string, MessageTemplate>;
  /** client (first send or sendCmd), server (first recv or recvCmd): SIPp's creationMode. */
  mode: 'client' | 'server';
  /**
   * SIPp's sendMode: the first <send> or <recv>, twin commands skipped. A 3PCC controller B
   * receives a command first (mode server) but sends SIP first, so it opens the TCP client
   * connection (tcp_multiplex) as a client does.
   */
  sendMode: 'client' | 'server';
  /**
   * Which twin command comes first (SIPp's computeSippMode): a sendCmd first makes controller A
   * (or master), a recvCmd first controller B (or slave); 'none' without commands.
   */
  commands: 'none' | 'send-first' | 'recv-first';
  /** Load-time warnings (unknown attributes). */
  warnings: string[];
  /** A media action (pcap play, rtp_stream): the run binds RTP sockets, calls read the peer's SDP. */
  hasMedia: boolean;
}
