/**
 * Branch targets from what a route names: a URI, a registered contact (reached where it
 * registered from, nat.ts branchFor), or a URI with an explicit next hop ("udp:192.0.2.10:5060",
 * "gw1.example.net:5080", "sip:gw1.example.net;transport=tcp": Kamailio's $du).
 */
import { isSipUri, parseUri, type BranchTarget, type SipUri } from '../../../core/index.js';
import { branchFor } from '../../nat/nat.js';
import type { Binding } from '../../registrar/binding.js';
import type { Contact, Target } from './route.js';

/** A registered contact as a route sees it, keeping its binding for the branch. */
class RegisteredContact implements Contact {
  constructor(readonly binding: Binding) {}
  get uri(): string {
    return this.binding.contact;
  }
  get aor(): string {
    return this.binding.aor;
  }
  get q(): number {
    return this.binding.q;
  }
  get expires(): number {
    return this.binding.expires;
  }
  get userAgent(): string {
    return this.binding.userAgent;
  }
  get received(): string | undefined {
    return this.binding.received;
  }
}

export function contactsOf(bindings: readonly Binding[]): Contact[] {
  return bindings.map((b) => new RegisteredContact(b));
}

export function toBranchTargets(targets: readonly Target[]): BranchTarget[] {
  return targets.map(toBranchTarget);
}

function toBranchTarget(t: Target): BranchTarget {
  if (typeof t === 'string') return { uri: checkedUri(t) };
  if (t instanceof RegisteredContact) return branchFor(t.binding);
  const d = 'destination' in t ? t.destination : undefined;
  return d ? { uri: checkedUri(t.uri), hop: hopUri(d) } : { uri: checkedUri(t.uri) };
}

function checkedUri(uri: string): string {
  parseUri(uri); // throws SipParseError: the route's bug, reported with its stack
  return uri;
}

/** "udp:host:port", "host[:port]" or a SIP URI, as the URI to resolve for the next hop. */
export function hopUri(d: string): SipUri {
  const m = /^(udp|tcp|tls|ws|wss|sctp):(.+)$/i.exec(d);
  const text = m ? `sip:${m[2]};transport=${m[1]!.toLowerCase()}` : /^sips?:/i.test(d) ? d : `sip:${d}`;
  const u = parseUri(text);
  if (!isSipUri(u)) throw new TypeError(`not a destination: ${d}`);
  return u;
}
