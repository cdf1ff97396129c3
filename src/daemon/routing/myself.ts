/**
 * "Is this URI us?" (Kamailio's `myself`): a host that is one of our listen addresses (all of
 * this host's addresses for a wildcard listener), an advertised address or one of our domains,
 * with a port we listen on (the scheme's default port when absent). Used for Route and
 * Record-Route values (loose routing, §16.4) and for requests addressed to the server itself.
 */
import { networkInterfaces } from 'node:os';
import { bareHost, defaultPort, isSipUri, type SipUri, type Transport, type Uri } from '../../core/index.js';

export class Myself {
  private readonly hosts = new Set<string>();
  private readonly ports = new Set<number>();

  constructor(transports: readonly Transport[], domains: readonly string[]) {
    for (const t of transports) {
      this.ports.add(t.localPort);
      this.ports.add(t.sentBy.port);
      this.hosts.add(bareHost(t.sentBy.host));
      if (t.localAddress === '0.0.0.0' || t.localAddress === '::') {
        for (const list of Object.values(networkInterfaces()))
          for (const a of list ?? [])
            if ((t.family === 6) === (a.family === 'IPv6')) this.hosts.add(a.address.toLowerCase());
      } else this.hosts.add(bareHost(t.localAddress));
    }
    for (const d of domains) this.hosts.add(d.toLowerCase());
  }

  isHost(host: string): boolean {
    return this.hosts.has(bareHost(host));
  }

  /** The URI designates this server (host and port). */
  isUri(uri: SipUri): boolean {
    if (!this.isHost(uri.host)) return false;
    return this.ports.has(defaultPort(uri));
  }
}

/**
 * The URI has a `maddr` that names a host other than us (§19.1.1: maddr overrides the host, so it
 * would make sipd send wherever the sender wrote). Before the listeners are bound every maddr counts.
 */
export function hasForeignMaddr(uri: Uri, me: Myself | undefined): boolean {
  const maddr = isSipUri(uri) ? uri.params.get('maddr') : undefined;
  return maddr !== undefined && (maddr === null || me?.isHost(maddr) !== true);
}
