/**
 * Management methods of the location service (usrloc): `ul.dump`, `ul.lookup`, `ul.add`,
 * `ul.rm`, `ul.rm_contact`, `ul.online`, one function per method. Contacts have stable lower-case
 * keys (Kamailio's ul.* use "Address"/"Expires"... inside nested wrappers; scripts are better
 * served by flat objects). A change is answered only once the location store committed it.
 */
import { randomUUID } from 'node:crypto';
import { compactString, isSipUri, parseUri } from '../../core/index.js';
import { RpcError, RpcErrorCode } from '../../mgmt/protocol.js';
import type { ContactInfo } from '../../mgmt/results.js';
import type { MethodRegistry } from '../mgmt/registry.js';
import { newRuid, secondsLeft, type Binding } from '../registrar/binding.js';
import { LocationNotStored, type LocationService } from './location-service.js';

export function contactInfo(b: Binding, now: number): ContactInfo {
  return {
    address: b.contact,
    expires: secondsLeft(b, now) ?? null,
    q: b.q,
    call_id: b.callId,
    cseq: b.cseq,
    user_agent: b.userAgent,
    received: b.received ?? null,
    path: b.path ?? null,
    socket: b.socket ?? null,
    instance: b.instance ?? null,
    reg_id: b.regId,
    ruid: b.ruid,
    last_modified: Math.floor(b.lastModified / 1000),
  };
}

/** An AoR as given by a user: "user@domain", "sip:user@domain"; the domain is lower-cased. */
export function normalizeAor(text: string): string {
  let t = text.trim();
  if (/^sips?:/i.test(t)) t = t.replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1)
    throw new RpcError(RpcErrorCode.INVALID_PARAMS, `not an AoR (user@domain): ${text}`);
  return `${t.slice(0, at)}@${t.slice(at + 1).toLowerCase()}`;
}

/**
 * A location change answered only once committed (like a REGISTER's 200): a change the database
 * did not take is an error, and the memory copy is as before.
 */
async function stored<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (err) {
    if (!(err instanceof LocationNotStored)) throw err;
    if (err.why === 'invalid') throw new RpcError(RpcErrorCode.INVALID_PARAMS, err.message);
    throw new RpcError(RpcErrorCode.UNAVAILABLE, `location database unavailable, nothing changed: ${err.message}`);
  }
}

export interface UlDeps {
  location: LocationService;
  now: () => number;
}

const module = 'usrloc';

export function registerUlMethods(rpc: MethodRegistry, d: UlDeps): void {
  registerUlDump(rpc, d);
  registerUlLookup(rpc, d);
  registerUlAdd(rpc, d);
  registerUlRm(rpc, d);
  registerUlRmContact(rpc, d);
  registerUlOnline(rpc, d);
}

function registerUlDump(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.dump',
    module,
    help: 'Every registered AoR with its contacts: {aors: [{aor, contacts: [...]}]}; with brief=true only {aors: [{aor}]}.',
    params: [{ name: 'brief', type: 'any', optional: true }],
    handler: (p) => {
      const now = d.now();
      const brief = p.brief === true || p.brief === 'brief' || p.brief === 'true';
      return {
        aors: d.location
          .dump()
          .map((e) => (brief ? { aor: e.aor } : { aor: e.aor, contacts: e.bindings.map((b) => contactInfo(b, now)) })),
      };
    },
  });
}

function registerUlLookup(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.lookup',
    module,
    help: 'The contacts of one AoR: {aor, contacts: [...]}; error NOT_FOUND when it has none.',
    params: [{ name: 'aor', type: 'string' }],
    handler: (p) => {
      const aor = normalizeAor(p.aor as string);
      const list = d.location.lookup(aor);
      if (list.length === 0) throw new RpcError(RpcErrorCode.NOT_FOUND, `AoR not found: ${aor}`);
      const now = d.now();
      return { aor, contacts: list.map((b) => contactInfo(b, now)) };
    },
  });
}

/** A contact as given by a user, without the angle brackets of a name-addr. */
function contactParam(value: unknown): string {
  return String(value)
    .trim()
    .replace(/^<(.*)>$/, '$1');
}

function registerUlAdd(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.add',
    module,
    help: 'Add a contact to an AoR: aor, contact (a SIP URI), expires (seconds, 0 = permanent; default 0), q (default 1).',
    params: [
      { name: 'aor', type: 'string' },
      { name: 'contact', type: 'string' },
      { name: 'expires', type: 'integer', optional: true },
      { name: 'q', type: 'number', optional: true },
    ],
    handler: async (p) => {
      const aor = normalizeAor(p.aor as string);
      const contact = contactParam(p.contact);
      let uri;
      try {
        uri = parseUri(contact);
      } catch (e) {
        throw new RpcError(RpcErrorCode.INVALID_PARAMS, `contact is not a URI: ${(e as Error).message}`);
      }
      if (!isSipUri(uri)) throw new RpcError(RpcErrorCode.INVALID_PARAMS, 'contact must be a sip: or sips: URI');
      const expires = (p.expires as number | undefined) ?? 0;
      const q = (p.q as number | undefined) ?? 1;
      if (expires < 0) throw new RpcError(RpcErrorCode.INVALID_PARAMS, 'expires must be >= 0');
      if (q < 0 || q > 1) throw new RpcError(RpcErrorCode.INVALID_PARAMS, 'q must be between 0 and 1');
      const now = d.now();
      const b = manualBinding(d.location, aor, contact, expires, q, now);
      await stored(d.location.add(b));
      return { aor, contact: contactInfo(b, now) };
    },
  });
}

/**
 * The binding `ul.add` writes: a re-added contact keeps its Call-ID and ruid and gets the next
 * CSeq, so it replaces the stored one (§10.3 step 7 ordering) instead of adding a twin.
 */
function manualBinding(
  location: LocationService,
  aor: string,
  contact: string,
  expires: number,
  q: number,
  now: number,
): Binding {
  const existing = location.current(aor).find((b) => b.contact === contact);
  return {
    aor,
    contact,
    expires: expires === 0 ? 0 : now + expires * 1000,
    q,
    callId: existing?.callId ?? compactString(`sipctl-${randomUUID()}`),
    cseq: (existing?.cseq ?? 0) + 1,
    received: undefined,
    path: undefined,
    userAgent: 'sipctl',
    instance: undefined,
    regId: 0,
    socket: undefined,
    ruid: existing?.ruid ?? newRuid(),
    lastModified: now,
    connectionId: 0,
  };
}

function registerUlRm(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.rm',
    module,
    help: 'Remove every contact of an AoR: {aor, removed}; error NOT_FOUND when it had none.',
    params: [{ name: 'aor', type: 'string' }],
    handler: async (p) => {
      const aor = normalizeAor(p.aor as string);
      const removed = await stored(d.location.removeAor(aor));
      if (removed === 0) throw new RpcError(RpcErrorCode.NOT_FOUND, `AoR not found: ${aor}`);
      return { aor, removed };
    },
  });
}

function registerUlRmContact(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.rm_contact',
    module,
    help: 'Remove one contact of an AoR: {aor, contact}; error NOT_FOUND when there is no such contact.',
    params: [
      { name: 'aor', type: 'string' },
      { name: 'contact', type: 'string' },
    ],
    handler: async (p) => {
      const aor = normalizeAor(p.aor as string);
      const contact = contactParam(p.contact);
      if (!(await stored(d.location.removeContact(aor, contact))))
        throw new RpcError(RpcErrorCode.NOT_FOUND, `contact not found: ${contact} of ${aor}`);
      return { aor, contact };
    },
  });
}

function registerUlOnline(rpc: MethodRegistry, d: UlDeps): void {
  rpc.register({
    name: 'ul.online',
    module,
    help: 'The AoRs registered now, sorted: {aors: ["user@domain", ...]}.',
    handler: () => ({ aors: d.location.dump().map((e) => e.aor) }),
  });
}
