/**
 * Where our registered user agents are on the network: the host:port of each binding's Contact,
 * the source it registered from (`received`, behind NAT) and its TCP connection. The request
 * router asks it whether an in-dialog request in a stranger's dialog comes from or goes to one of
 * our users (request-router.ts partyOfOurs). Counted, since several bindings may share an address
 * (a phone with several lines, an office behind one NAT).
 */
import {
  bareHost,
  defaultPort,
  isSipUri,
  normalizeIp,
  parseUri,
  StringTable,
  type MessageSource,
} from '../../core/index.js';
import type { Binding } from '../registrar/binding.js';

export class AddressIndex {
  private readonly counts = new Map<string, number>();
  /**
   * The keys each indexed binding added (adding or removing a binding twice changes nothing): one
   * key (the usual binding: its Contact's address) as the string itself, several as an array.
   */
  private readonly indexed = new Map<Binding, string | string[]>();

  /** The key strings, shared by every binding at one address (not one copy per binding). */
  private readonly keyStrings = new StringTable();

  add(b: Binding): void {
    if (this.indexed.has(b)) return;
    const keys = keysOf(b).map((k) => this.keyStrings.intern(k));
    this.indexed.set(b, keys.length === 1 ? keys[0]! : keys);
    for (const k of keys) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  remove(b: Binding): void {
    const indexed = this.indexed.get(b);
    if (indexed === undefined) return;
    this.indexed.delete(b);
    for (const k of typeof indexed === 'string' ? [indexed] : indexed) {
      const n = (this.counts.get(k) ?? 0) - 1;
      if (n > 0) this.counts.set(k, n);
      else this.counts.delete(k);
    }
  }

  /** A registered Contact or registration source is at host:port. */
  hasAddress(host: string, port: number): boolean {
    return this.counts.has(addressKey(host, port));
  }

  /** The message came from where one of our user agents registered from (its address or connection). */
  hasSource(s: MessageSource): boolean {
    return (
      (s.connectionId !== undefined && this.counts.has('#' + s.connectionId)) ||
      this.counts.has(addressKey(s.remoteAddress, s.remotePort))
    );
  }
}

const addressKey = (host: string, port: number): string => `${normalizeIp(bareHost(host))} ${port}`;

function keysOf(b: Binding): string[] {
  const keys: string[] = [];
  for (const text of [b.contact, b.received]) {
    if (!text) continue;
    try {
      const u = parseUri(text);
      if (isSipUri(u)) keys.push(addressKey(u.host, defaultPort(u)));
    } catch {
      // A contact that does not parse names no address.
    }
  }
  if (b.connectionId > 0) keys.push('#' + b.connectionId);
  return keys;
}
