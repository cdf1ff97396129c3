/**
 * `[rtpengine] sockets` entries: "udp:IP:PORT" with an optional "=WEIGHT" (Kamailio's
 * rtpengine_sock form, e.g. "udp:127.0.0.1:2223=2"); IPv6 in brackets, "udp:[::1]:2223". An IP
 * address, not a name: replies are matched by their source address.
 */
import { isIP } from 'node:net';
import type { InstanceConfig } from './rtpengine-set.js';

export function parseRtpengineSocket(text: string): InstanceConfig {
  const m = /^udp:(?:\[([^\]]+)\]|([^:[\]=]+)):(\d{1,5})(?:=(\d{1,3}))?$/.exec(text.trim());
  if (!m) throw new Error(`expected "udp:IP:PORT" or "udp:IP:PORT=WEIGHT", got "${text}"`);
  const host = m[1] ?? m[2]!;
  if (isIP(host) === 0) throw new Error(`"${host}" is not an IP address (rtpengine is named by address)`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} is out of range`);
  const weight = m[4] === undefined ? 1 : Number(m[4]);
  if (weight > 100) throw new Error(`weight ${weight} is out of range (0 to 100)`);
  return { socket: text.trim(), host, port, weight };
}
