/**
 * The open connections of one stream listener (TCP, TLS, WS, WSS) by id, and by remote
 * address:port for reuse in both directions (RFC 3261 §18: a request to a peer that already has
 * a connection to us uses it, as Kamailio does for clients behind NAT). The transports differ in
 * their sockets; this bookkeeping is the same for all of them.
 */
import { normalizeIp } from './address.js';
import { TransportError } from './errors.js';
import type { SendObserver, TransportStats } from './types.js';

/** What the table needs of a connection. */
export interface TableConnection {
  readonly id: number;
  /** "address port" keys under which the transport finds this connection for sending */
  readonly keys: string[];
  /** those of the keys that are RFC 5923 aliases (the rest are its remote address) */
  readonly aliases: string[];
  /** where its messages come from (its own remote address and port) */
  readonly source: { readonly remoteAddress: string; readonly remotePort: number };
  /** open and not closing */
  readonly usable: boolean;
  /** Date.now() until which an idle connection stays open (keepConnection) */
  keptUntil: number;
}

const remoteKey = (address: string, port: number) => normalizeIp(address) + ' ' + port;

export class ConnectionTable<C extends TableConnection> {
  private readonly conns = new Map<number, C>();
  private readonly byRemote = new Map<string, C>();

  /** A new connection with the peer at address:port. */
  add(c: C, address: string, port: number): void {
    this.conns.set(c.id, c);
    this.index(c, address, port);
  }

  /** Also find `c` under address:port (an outbound connection once its real peer address is known). */
  index(c: C, address: string, port: number): void {
    const key = remoteKey(address, port);
    if (!this.byRemote.has(key)) {
      this.byRemote.set(key, c);
      c.keys.push(key);
    }
  }

  /** Forget `c`; false when it was not here (forgotten already). */
  delete(c: C): boolean {
    if (!this.conns.delete(c.id)) return false;
    for (const k of c.keys) if (this.byRemote.get(k) === c) this.byRemote.delete(k);
    return true;
  }

  /**
   * RFC 5923: requests to address:port use connection `id`. The newest alias wins over another
   * open connection's (a phone that reconnected, its old connection not yet timed out); a
   * connection's own remote address:port is never taken from it.
   */
  alias(id: number, address: string, port: number): void {
    const c = this.conns.get(id);
    if (c === undefined || !c.usable) return;
    const key = remoteKey(address, port);
    const holder = this.byRemote.get(key);
    if (holder === c) return;
    if (holder !== undefined) {
      const own = remoteKey(holder.source.remoteAddress, holder.source.remotePort);
      if (own === key && holder.usable) return;
      for (const list of [holder.keys, holder.aliases]) {
        const i = list.indexOf(key);
        if (i >= 0) list.splice(i, 1);
      }
    }
    this.byRemote.set(key, c);
    c.keys.push(key);
    c.aliases.push(key);
  }

  get(id: number): C | undefined {
    return this.conns.get(id);
  }

  /** The connection `id` when usable, else a usable one to address:port, else undefined. */
  find(id: number | undefined, address: string, port: number): C | undefined {
    const c = id !== undefined ? this.conns.get(id) : undefined;
    if (c !== undefined && c.usable) return c;
    const r = this.byRemote.get(remoteKey(address, port));
    return r !== undefined && r.usable ? r : undefined;
  }

  usable(id: number): boolean {
    return this.conns.get(id)?.usable ?? false;
  }

  get size(): number {
    return this.conns.size;
  }

  ids(): number[] {
    return [...this.conns.keys()];
  }

  values(): IterableIterator<C> {
    return this.conns.values();
  }

  /** Transport.keepConnection: a keep only extends. */
  keep(id: number, forMs: number): void {
    const c = this.conns.get(id);
    if (c !== undefined) c.keptUntil = Math.max(c.keptUntil, Date.now() + forMs);
  }
}

/** A failed send: counted in `stats`, told to the observer asynchronously (never thrown). */
export function reportSendError(stats: TransportStats, observer: SendObserver | undefined, err: TransportError): void {
  stats.sendErrors++;
  if (observer) queueMicrotask(() => observer.onSendError(err));
}

/** The error of a send on a closed transport. */
export function transportClosed(protocol: string): TransportError {
  return new TransportError('SIP_ERR_TRANSPORT_CLOSED', `${protocol} transport is closed`);
}
