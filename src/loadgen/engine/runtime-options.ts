/**
 * What a run (Runtime) is built from: options, scenarios, addresses, -inf files, log files, the
 * transport's callbacks and the call numbering; and the shape of a scenario's statistics.
 */
import type { MediaSockets } from '../media/media-sockets.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';
import type { Numbering } from './call-ids.js';
import type { CallSteps } from './call-steps.js';
import type { InjectionFile } from './injection.js';
import type { Logs } from './logs.js';
import type { CallSocket, Peer } from './types.js';
import type { SipTransportName } from './types.js';

export interface Addressing {
  local: { ip: string; ipEscaped: string; port: number; ipType: '4' | '6' };
  remote: { host: string; ip: string; ipEscaped: string; port: number } | undefined;
  media: { ip: string; ipType: '4' | '6'; port: number };
  destination: Peer | undefined;
}

export interface RuntimeHooks {
  /** Socket for a new call (shared or per-call). Undefined: none ready yet (per-call pools). */
  socketForCall(): CallSocket | undefined;
  /** Called once per scheduling cycle. */
  onCycle(now: number): void;
  rttSample(stopUs: number, rttUs: number, rtd: number): void;
  /**
   * How long (ms) the messages being read now waited in the main socket (0 while it keeps up;
   * absent: not known). New calls wait while it is high (generator.ts BEHIND_LIMIT_MS).
   */
  behindMs?: () => number;
}

/** Everything a run is made of. */
export interface RuntimeOptions {
  opts: RunOptions;
  scenario: Scenario;
  /** -oocsn: the scenario for out-of-call requests (client mode). */
  oocScenario?: Scenario;
  /** -aa: the scenario answering INFO, NOTIFY, OPTIONS and UPDATE out of call. */
  aaScenario?: Scenario;
  addressing: Addressing;
  /** -inf files by name. */
  injection: Map<string, InjectionFile>;
  logs: Logs;
  hooks: RuntimeHooks;
  transportName: SipTransportName;
  numbering?: Numbering;
  /** The RTP sockets (media scenarios, -rtp_echo). */
  rtp?: MediaSockets;
  /** Receiving and actions (default: the scenario engine's). */
  callSteps?: CallSteps;
}

export function statsShape(s: Scenario) {
  return {
    rtdCount: s.rtdNames.length,
    rtdRepartitions: s.rtdRepartitions,
    callLengthRepartition: s.callLengthRepartition,
    counterCount: s.counterNames.length,
    messageCount: s.messages.length,
  };
}
