/**
 * Which 3PCC role this run plays and where its twin channel(s) go, decided as SIPp decides it
 * (scenario.cpp computeSippMode, socket.cpp open_connections, sipp.cpp option checks): the first
 * twin command of the scenario and the command line (-3pcc, or -slave_cfg with -master/-slave).
 * Every inconsistency is reported here, before any socket is opened, with SIPp's message.
 */
import { readFileSync } from 'node:fs';
import { SippError } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';

/**
 * SIPp's thirdPartyMode: controller A connects to its twin (a "passive" A answers a call first);
 * controller B listens; in extended 3PCC every instance listens on its own address and connects
 * to the peers its sendCmds name (a master at start, a slave once the master has connected).
 */
export type TwinRole = 'controller-a' | 'a-passive' | 'controller-b' | 'master' | 'master-passive' | 'slave';

export interface TwinAddress {
  host: string;
  port: number;
}

export interface TwinPlan {
  role: TwinRole;
  extended: boolean;
  /** Where this instance accepts its twin(s) (controller B, master, slave). */
  listen?: TwinAddress;
  /** Controller A: the twin's address. Extended: every peer a sendCmd names (dest=). */
  peers: Map<string, TwinAddress>;
  /** Unknown Call-IDs start calls (SIPp's B, passive A, passive master and slave modes). */
  createsCalls: boolean;
}

/** SIPp's DEFAULT_3PCC_PORT, used when an address has no port. */
export const DEFAULT_TWIN_PORT = 6060;

/** SIPp's get_host_and_port: "host", "host:port", "[v6]" or "[v6]:port". */
export function parseTwinAddress(text: string): TwinAddress {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : DEFAULT_TWIN_PORT };
  const colon = t.lastIndexOf(':');
  if (colon > 0 && t.indexOf(':') === colon) {
    const port = Number(t.slice(colon + 1));
    return { host: t.slice(0, colon), port: Number.isInteger(port) && port > 0 ? port : DEFAULT_TWIN_PORT };
  }
  return { host: t, port: DEFAULT_TWIN_PORT };
}

/** SIPp's parse_slave_cfg: "name;host:port" per line; lines without both fields are skipped. */
export function parseSlaveCfg(text: string): Map<string, TwinAddress> {
  const out = new Map<string, TwinAddress>();
  for (const line of text.split('\n')) {
    // strtok(";") skips empty fields, as SIPp's parser does.
    const fields = line.split(';').filter((f) => f !== '');
    if (fields.length < 2 || !fields[1]!.trim()) continue;
    out.set(fields[0]!, parseTwinAddress(fields[1]!));
  }
  return out;
}

export function planTwin(o: RunOptions, s: Scenario): TwinPlan | undefined {
  const extended = o.slaveCfgFile !== undefined;
  const twin = o.twinAddress !== undefined;
  if (s.commands === 'none') {
    if (twin || extended)
      throw new SippError(
        'TwinSipp Mode enabled but thirdPartyMode is different from 3PCC_CONTROLLER_B and 3PCC_CONTROLLER_A',
        undefined,
        undefined,
        '-3pcc, -master and -slave need a scenario with <sendCmd>/<recvCmd>',
      );
    return undefined;
  }
  const sendFirst = s.commands === 'send-first';
  if (!twin && !extended)
    throw new SippError(
      sendFirst
        ? 'sendCmd message found in scenario but no twin sipp address has been passed! Use -3pcc option or 3pcc extended mode'
        : 'recvCmd message found in scenario but no twin sipp address has been passed! Use -3pcc option',
      undefined,
      undefined,
      'give the twin address with -3pcc ip:port (or -slave_cfg with -master/-slave)',
    );
  if (twin) {
    const role: TwinRole = sendFirst ? (s.mode === 'server' ? 'a-passive' : 'controller-a') : 'controller-b';
    const address = parseTwinAddress(o.twinAddress!);
    return {
      role,
      extended: false,
      listen: role === 'controller-b' ? address : undefined,
      peers: role === 'controller-b' ? new Map() : new Map([['twin', address]]),
      createsCalls: role !== 'controller-a',
    };
  }
  return planExtended(o, s, sendFirst);
}

function planExtended(o: RunOptions, s: Scenario, sendFirst: boolean): TwinPlan {
  const role: TwinRole = sendFirst ? (s.mode === 'server' ? 'master-passive' : 'master') : 'slave';
  if (sendFirst && o.masterName === undefined)
    throw new SippError('Inconsistency between command line and scenario: master scenario but -master option not set');
  if (!sendFirst && o.slaveName === undefined)
    throw new SippError('Inconsistency between command line and scenario: slave scenario but -slave option not set');
  let text: string;
  try {
    text = readFileSync(o.slaveCfgFile!, 'latin1');
  } catch {
    throw new SippError(`Can not open slave_cfg file ${o.slaveCfgFile}`);
  }
  const cfg = parseSlaveCfg(text);
  const addressOf = (name: string): TwinAddress => {
    const a = cfg.get(name);
    if (!a)
      throw new SippError(
        `get_peer_addr: Peer ${name} not found`,
        undefined,
        undefined,
        `add "${name};host:port" to ${o.slaveCfgFile}`,
      );
    return a;
  };
  const peers = new Map<string, TwinAddress>();
  for (const m of s.messages) {
    if (m.kind === 'sendCmd') {
      if (m.cmdDest === undefined)
        throw new SippError("You must specify a 'dest' for sendCmd with extended 3pcc mode!");
      if (!peers.has(m.cmdDest)) peers.set(m.cmdDest, addressOf(m.cmdDest));
    } else if (m.kind === 'recvCmd' && m.cmdSrc === undefined)
      throw new SippError("You must specify a 'src' for recvCmd when using extended 3pcc mode!");
  }
  const self = sendFirst ? o.masterName! : o.slaveName!;
  return { role, extended: true, listen: addressOf(self), peers, createsCalls: role !== 'master' };
}
