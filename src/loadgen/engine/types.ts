/**
 * What a call needs from the run it belongs to (the engine), kept as an interface so the call
 * logic can be unit-tested without sockets.
 */
import type { MediaSockets } from '../media/media-sockets.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';
import type { CallVariable } from '../scenario/variables.js';
import type { Stats } from '../stats/stats.js';
import type { CallIds } from './call-ids.js';
import type { CallSteps } from './call-steps.js';
import type { CallTable } from './call-table.js';
import type { CallGenerator } from './generator.js';
import type { InjectionFile } from './injection.js';
import type { Scheduler } from './scheduler.js';
import type { RunTrace } from './trace.js';

export interface Peer {
  address: string;
  port: number;
}

/** Via transport tokens of a run (-t u1/t1/l1/w1, -wss). */
export type SipTransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

/** A connection or socket a call sends on. */
export interface CallSocket {
  readonly transport: SipTransportName;
  /** Local address and port (for [server_ip], [local_port] of per-call sockets). */
  readonly localAddress: string;
  readonly localPort: number;
  send(buf: Buffer, peer: Peer): boolean;
  /** Per-call sockets are closed when the call ends. */
  readonly perCall: boolean;
  close(): void;
}

/** 3PCC: the channel to the twin SIPp instance(s) (twin/link.ts). */
export interface TwinChannel {
  /** Send one command (extended 3PCC: to the peer `dest`); false when there is no channel. */
  send(text: string, dest?: string): boolean;
  /** Extended 3PCC (-slave_cfg) rather than -3pcc. */
  readonly extended: boolean;
  /** -3pcc: the twin is connected (SIPp's twinSippSocket is set). */
  readonly twinUp: boolean;
}

export interface Engine {
  readonly opts: RunOptions;
  readonly scheduler: Scheduler;
  /** Receiving and actions, which the call delegates (call-steps.ts). */
  readonly callSteps: CallSteps;
  readonly stats: Stats;
  /** [pid], call numbers, [dynamic_id]. */
  readonly ids: CallIds;
  /** Clock of the current scheduling cycle, ms. */
  now(): number;
  readonly local: { ip: string; ipEscaped: string; port: number; ipType: '4' | '6' };
  readonly remote: { host: string; ip: string; ipEscaped: string; port: number } | undefined;
  readonly media: { ip: string; ipType: '4' | '6'; port: number };
  /** The run's RTP sockets, bound when the scenario plays media or -rtp_echo is on. */
  readonly rtp: MediaSockets | undefined;
  readonly transportName: SipTransportName;
  readonly globals: CallVariable[];
  /** -users mode: the [$user] variable tables. */
  readonly generator: CallGenerator;
  readonly injection: Map<string, InjectionFile>;
  /** Socket for a new call (the shared one, or a new per-call socket). */
  socketForCall(): CallSocket;
  /** Where new outgoing calls send (remote host, or -rsa). */
  readonly destination: Peer | undefined;
  /** The live calls and dead calls; a call removes itself when it ends. */
  readonly calls: CallTable;
  warning(text: string): void;
  /** -trace_msg / -trace_shortmsg / -trace_logs / -trace_calldebug. */
  readonly trace: RunTrace;
  /** -users mode: return a user id to the free pool. */
  freeUser(userId: number): void;
  /** int_cmd stop_gracefully / stop_now. */
  stopGracefully(): void;
  stopNow(): void;
  readonly scenario: Scenario;
  /** 3PCC runs only. */
  readonly twin?: TwinChannel;
  /** Start an RTT sample in the -trace_rtt file. */
  rttSample(stopUs: number, rttUs: number, rtd: number): void;
}
