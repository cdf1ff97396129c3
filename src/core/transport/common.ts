/** Small pieces shared by the transports. */
import { networkInterfaces } from 'node:os';
import { hostForUri } from './address.js';
import type { TransportSink } from './types.js';

/** Sink used until a TransportLayer takes over: drops everything. */
export const dropSink: TransportSink = {
  receive: () => false,
  framingError() {},
};

/**
 * The sent-by of a listener without an advertised address: its bound address, or for a wildcard
 * bind (0.0.0.0, ::) the first non-internal interface address of the family (loopback if none).
 * A wildcard listener behind NAT or with several interfaces should be given `advertise`.
 */
export function defaultSentBy(address: string, port: number, family: 4 | 6): { host: string; port: number } {
  if (address !== '0.0.0.0' && address !== '::') return { host: hostForUri(address), port };
  const want = family === 6 ? 'IPv6' : 'IPv4';
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal || i.family !== want) continue;
      if (family === 6 && i.address.startsWith('fe80')) continue;
      return { host: hostForUri(i.address), port };
    }
  }
  return { host: family === 6 ? '[::1]' : '127.0.0.1', port };
}
