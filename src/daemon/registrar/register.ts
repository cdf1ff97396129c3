/**
 * The registrar's decision for one REGISTER, RFC 3261 §10.3 steps 6–8, as a pure function:
 * given the request, the AoR's current bindings and the policy, compute the new binding set or
 * the error response. Authentication (steps 3–4) and finding the AoR (step 5) happen before;
 * storing the result atomically happens after (step 7's all-or-nothing rule).
 */
import {
  compactString,
  isSipUri,
  parseUri,
  sipUriEquals,
  SipParseError,
  StringTable,
  unquote,
  type NameAddr,
  type SipRequest,
  type SipUri,
} from '../../core/index.js';
import { newRuid, type Binding } from './binding.js';

export interface RegistrarPolicy {
  /** seconds; used when neither the contact nor the request says (Kamailio default_expires 3600) */
  defaultExpires: number;
  /** seconds; a non-zero expiry below it is answered 423 with Min-Expires (RFC 3261 §10.3 step 7) */
  minExpires: number;
  /** seconds; longer requests are shortened to this (0 = no limit) */
  maxExpires: number;
  /** bindings per AoR (0 = no limit); beyond it the REGISTER fails with 503 */
  maxContacts: number;
}

/** What the transport layer knows about where the REGISTER came from. */
export interface RegisterSource {
  /** "sip:203.0.113.7:5060;transport=udp" when the UA is behind NAT (its Contact differs from the source), else undefined */
  received: string | undefined;
  socket: string | undefined;
  connectionId: number;
}

type RegisterFailure = { ok: false; status: number; reason: string; headers?: Array<[string, string]> };

export type RegisterOutcome =
  { ok: true; bindings: Binding[]; added: Binding[]; updated: Binding[]; removed: Binding[] } | RegisterFailure;

const fail = (status: number, reason: string, headers?: Array<[string, string]>): RegisterFailure => ({
  ok: false,
  status,
  reason,
  headers,
});

/** q parameter: 0–1 with up to three decimals (RFC 3261 §25.1 qvalue). */
function parseQ(v: string | null | undefined): number | undefined {
  if (v === undefined) return 1;
  if (v === null || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
  return Number(v);
}

function contactUri(c: NameAddr): SipUri | undefined {
  try {
    const u = c.uri;
    return isSipUri(u) ? u : undefined;
  } catch {
    return undefined;
  }
}

function sameContact(a: string, b: SipUri): boolean {
  try {
    const u = parseUri(a);
    return isSipUri(u) && sipUriEquals(u, b);
  } catch {
    return a === b.host;
  }
}

export function processRegister(
  req: SipRequest,
  aor: string,
  current: readonly Binding[],
  policy: RegistrarPolicy,
  source: RegisterSource,
  now: number,
): RegisterOutcome {
  let contacts;
  let headerExpires: number | undefined;
  try {
    contacts = req.contacts();
    headerExpires = req.expires();
  } catch (e) {
    if (e instanceof SipParseError) return fail(400, e.reason);
    throw e;
  }
  const callId = req.callId();
  const cseq = req.cseq().seq;
  const live = current.filter((b) => b.expires === 0 || b.expires > now);

  // A REGISTER without Contact is a query: answer with the current bindings (§10.2.3).
  if (contacts !== '*' && contacts.length === 0)
    return { ok: true, bindings: live, added: [], updated: [], removed: [] };

  if (contacts === '*') return removeAll(live, headerExpires, callId, cseq);

  const next = [...live];
  const added: Binding[] = [];
  const updated: Binding[] = [];
  const removed: Binding[] = [];
  const userAgent = req.get('user-agent') ?? '';
  const path = req.has('path') ? req.getAll('path').join(', ') : undefined;

  for (const c of contacts) {
    const uri = contactUri(c);
    if (!uri) return fail(400, 'Invalid Contact URI');
    const q = parseQ(c.params.get('q'));
    if (q === undefined) return fail(400, 'Invalid q value');
    const expires = contactExpires(c, headerExpires, policy);
    if (typeof expires !== 'number') return expires;

    const idx = next.findIndex((b) => sameContact(b.contact, uri));
    const existing = idx >= 0 ? next[idx] : undefined;
    if (existing && existing.callId === callId && existing.cseq >= cseq) {
      // Same Call-ID, CSeq not higher: out of order, and the whole update fails (§10.3 step 7).
      // Equal counts too: a retransmission is absorbed by its server transaction (Timer J keeps
      // it 32 s on UDP), so a request reaching us here with the same CSeq is a new one.
      return fail(400, 'Out-of-order CSeq');
    }
    if (expires === 0) {
      if (existing) {
        next.splice(idx, 1);
        removed.push(existing);
      }
      continue;
    }
    const binding = bindingFor(c, { aor, q, callId, cseq, path, userAgent, now, expires, source, existing });
    if (existing) {
      next[idx] = binding;
      updated.push(binding);
    } else {
      next.push(binding);
      added.push(binding);
    }
  }
  if (policy.maxContacts > 0 && next.length > policy.maxContacts && added.length > 0)
    return fail(503, 'Too Many Registered Contacts', [['Retry-After', '60']]);
  return { ok: true, bindings: next, added, updated, removed };
}

/** `Contact: *` removes every binding: only alone and with Expires: 0 (§10.2.2, §10.3 step 6). */
function removeAll(live: Binding[], headerExpires: number | undefined, callId: string, cseq: number): RegisterOutcome {
  if (headerExpires !== 0) return fail(400, 'Invalid Contact * without Expires: 0');
  const removed: Binding[] = [];
  for (const b of live) {
    if (b.callId === callId && b.cseq >= cseq) return fail(400, 'Out-of-order CSeq');
    removed.push(b);
  }
  return { ok: true, bindings: [], added: [], updated: [], removed };
}

/**
 * A contact's expiry in seconds (§10.3 step 7: its expires parameter, else the Expires header,
 * else the registrar's default), capped at max_expires; too brief a non-zero one is 423.
 */
function contactExpires(
  c: NameAddr,
  headerExpires: number | undefined,
  policy: RegistrarPolicy,
): number | RegisterFailure {
  let expires: number;
  const param = c.params.get('expires');
  if (param !== undefined) {
    if (param === null || !/^\d{1,10}$/.test(param)) return fail(400, 'Invalid expires parameter');
    expires = Number(param);
  } else expires = headerExpires ?? policy.defaultExpires;
  if (expires > 4294967295) return fail(400, 'Invalid expires value');
  if (expires !== 0 && expires < policy.minExpires)
    return fail(423, 'Interval Too Brief', [['Min-Expires', String(policy.minExpires)]]);
  if (policy.maxExpires > 0 && expires > policy.maxExpires) expires = policy.maxExpires;
  return expires;
}

interface BindingFields {
  aor: string;
  q: number;
  callId: string;
  cseq: number;
  path: string | undefined;
  userAgent: string;
  now: number;
  /** seconds */
  expires: number;
  source: RegisterSource;
  /** the binding this contact updates (its ruid is kept) */
  existing: Binding | undefined;
}

/**
 * Values many bindings share: user agents (one kind of phone), Path (one edge proxy), the
 * listening socket. A binding lives for up to an hour; 100,000 of them hold one copy of each.
 */
const shared = new StringTable();

/**
 * A binding outlives its REGISTER by up to an hour, so every string it keeps is its own (a value
 * cut from the request would keep the whole request text alive: message/own-string.ts), and flat
 * (compactString: no view header, 32 bytes less per string on 64-bit V8).
 */
function bindingFor(c: NameAddr, f: BindingFields): Binding {
  const old = f.existing;
  return {
    aor: f.aor, // the location's own key (registrar-handler.ts)
    contact: old && old.contact === c.uriText ? old.contact : compactString(c.uriText),
    expires: f.now + f.expires * 1000,
    q: f.q,
    callId: old && old.callId === f.callId ? old.callId : compactString(f.callId),
    cseq: f.cseq,
    received: f.source.received,
    path: shared.intern(f.path),
    userAgent: shared.intern(f.userAgent),
    instance: compactString(instanceOf(c)),
    regId: regIdOf(c),
    socket: shared.intern(f.source.socket),
    ruid: f.existing?.ruid ?? newRuid(),
    lastModified: f.now,
    connectionId: f.source.connectionId,
  };
}

function instanceOf(c: NameAddr): string | undefined {
  const v = c.params.get('+sip.instance');
  return v ? unquote(v) : undefined;
}

function regIdOf(c: NameAddr): number {
  const v = c.params.get('reg-id');
  return v && /^\d{1,9}$/.test(v) ? Number(v) : 0;
}

/** The Contact header values of a 200 OK: every binding with its remaining expiry (§10.3 step 8). */
export function contactsForReply(bindings: readonly Binding[], now: number): string[] {
  return bindings.map((b) => {
    const left = b.expires === 0 ? 0 : Math.max(0, Math.round((b.expires - now) / 1000));
    const q = b.q !== 1 ? `;q=${b.q}` : '';
    const expires = b.expires === 0 ? '' : `;expires=${left}`;
    return `<${b.contact}>${expires}${q}`;
  });
}
