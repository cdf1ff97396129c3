/**
 * Folder daemon/registrar/: a REGISTER's answer. This file takes the request (auth, ownership,
 * subscriber check), register.ts decides on the bindings (§10.3), binding.ts is their shape; the
 * bindings are stored by usrloc/.
 *
 * REGISTER at the registrar (RFC 3261 §10.3, the RFC 3665 §2 flows): the domain must be ours,
 * the request authenticated (401), the authenticated user must own the address-of-record in To
 * (403), the AoR must be a subscriber (404; with auth off and registrar.accept_unknown, any user of
 * a served domain is accepted, as by Kamailio); then processRegister() decides and the location
 * service stores; the 200 lists every current binding with its expiry.
 *
 * A 200 OK means durable: it is sent only once the location service has committed the change
 * (group commit). When the database does not take it, the answer is 500 with Retry-After
 * (RFC 3261 §21.5.1, §20.33): the UA tries again later instead of believing it is reachable.
 */
import {
  compactString,
  isSipUri,
  keepConnectionOf,
  unescape,
  type MessageSource,
  type ServerTransaction,
  type SipRequest,
} from '../../core/index.js';
import type { RegistrarPolicy } from './register.js';
import { contactsForReply, processRegister } from './register.js';
import { LocationNotStored, type LocationService } from '../usrloc/location-service.js';
import type { AuthGuard, AuthOutcome, SubscriberLookup } from '../auth/auth-guard.js';
import { registerReceived } from '../nat/nat.js';

/** The server transaction, as far as answering goes (a test harness gives its own). */
type Replier = Pick<ServerTransaction, 'source' | 'state' | 'reply' | 'replyStateless'>;

export interface RegistrarCounters {
  accepted: { inc(): void };
  rejected: { inc(): void };
}

export interface RegistrarOptions {
  policy: RegistrarPolicy;
  /** answer a too-brief expiry by raising it to the minimum instead of 423 */
  clampMinExpires: boolean;
  /** authenticate REGISTER (on unless a lab turns it off) */
  authenticate: boolean;
  /** store the real source of NAT'd registrations (fix_nated_register) */
  fixNatedRegister: boolean;
  /**
   * registrar.accept_unknown: without authentication, accept a REGISTER for any user of a served
   * domain, as Kamailio's save("location") does; off (default), a non-subscriber gets 404.
   */
  acceptUnknown?: boolean;
  now: () => number;
}

/** Seconds a UA is asked to wait before registering again while the location database is down. */
export const OUTAGE_RETRY_AFTER = 5;

export class RegistrarHandler {
  constructor(
    private readonly directory: SubscriberLookup,
    private readonly location: LocationService,
    private readonly auth: AuthGuard,
    private readonly counters: RegistrarCounters,
    private readonly opts: RegistrarOptions,
  ) {
    this.clampPolicy = { ...opts.policy, minExpires: 0 };
  }

  /** The policy of min_expires_mode = clamp: nothing is too brief, short expiries are raised after. */
  private readonly clampPolicy: RegistrarPolicy;

  /** Handle one REGISTER; synchronous unless the database must be asked about the user. */
  handle(req: SipRequest, st: Replier, authenticated?: { username: string; domain: string }): void | Promise<void> {
    const to = req.to().uri;
    if (!isSipUri(to)) return this.otherScheme(req, st);
    if (to.user === undefined) return this.reject(st, 400, 'Invalid To URI');
    const domain = to.host.toLowerCase();
    if (!this.directory.isLocalDomain(domain)) return this.reject(st, 403, 'Domain Not Served');
    const user = unescape(to.user);
    if (authenticated) return this.authenticated(req, st, { ok: true, ...authenticated }, user, domain);
    if (this.opts.authenticate) {
      const auth = this.auth.check(req, st, domain);
      if (auth instanceof Promise) return auth.then((a) => this.authenticated(req, st, a, user, domain));
      return this.authenticated(req, st, auth, user, domain);
    }
    // Kamailio's way (registrar.accept_unknown): any user of a served domain, no subscriber check.
    if (this.opts.acceptUnknown) return this.save(req, st, `${user}@${domain}`);
    const known = this.directory.cached(user, domain);
    if (known !== undefined) return this.known(req, st, known !== null, user, domain);
    return this.directory.findSubscriber(user, domain).then((s) => this.known(req, st, s !== undefined, user, domain));
  }

  /**
   * A To of another scheme (RFC 4475 §3.3.4, unksm2.dat) is valid SIP, not a 400: the REGISTER
   * goes through §10.3 steps 1–3 on its Request-URI's domain like any other (403 for a domain not
   * served, 401 challenge), and an authenticated one then fails step 4, since no user owns it.
   */
  private otherScheme(req: SipRequest, st: Replier): void | Promise<void> {
    const ruri = req.requestUri();
    const domain = isSipUri(ruri) ? ruri.host.toLowerCase() : '';
    if (!this.directory.isLocalDomain(domain)) return this.reject(st, 403, 'Domain Not Served');
    if (!this.opts.authenticate) return this.reject(st, 404, 'Not Found');
    const done = (a: AuthOutcome) => {
      if (a.ok) this.reject(st, 403, 'Forbidden: To does not match the authenticated user');
    };
    const auth = this.auth.check(req, st, domain);
    return auth instanceof Promise ? auth.then(done) : done(auth);
  }

  private authenticated(
    req: SipRequest,
    st: Replier,
    auth: AuthOutcome,
    user: string,
    domain: string,
  ): void | Promise<void> {
    if (!auth.ok) return;
    // The authenticated user must be the owner of the AoR (§10.3 step 4).
    if (auth.username !== user || auth.domain.toLowerCase() !== domain)
      return this.reject(st, 403, 'Forbidden: To does not match the authenticated user');
    return this.save(req, st, `${user}@${domain}`);
  }

  /** Without authentication (a lab setting) the AoR must still be a subscriber (§10.3 step 5). */
  private known(req: SipRequest, st: Replier, exists: boolean, user: string, domain: string): void | Promise<void> {
    if (!exists) return this.reject(st, 404, 'Not Found');
    return this.save(req, st, `${user}@${domain}`);
  }

  private save(req: SipRequest, st: Replier, name: string): void | Promise<void> {
    const now = this.opts.now();
    // The AoR keys the location for as long as it has bindings: the stored key, or a string of its own.
    const current = this.location.current(name);
    const aor = current[0]?.aor ?? compactString(name);
    const policy = this.opts.clampMinExpires ? this.clampPolicy : this.opts.policy;
    const out = processRegister(req, aor, current, policy, sourceInfo(req, st.source, this.opts.fixNatedRegister), now);
    if (!out.ok) return this.reject(st, out.status, out.reason, out.headers);
    if (this.opts.clampMinExpires) clampToMinimum(out.bindings, this.opts.policy.minExpires, now);
    const headers: Array<[string, string]> = contactsForReply(out.bindings, now).map((c) => ['Contact', c]);
    headers.push(['Date', new Date(now).toUTCString()]);
    return this.location.apply(aor, out.bindings, [...out.added, ...out.updated], out.removed).then(
      () => {
        // A TCP connection lives as long as the registrations made over it (the phone is reached on it).
        const lastExpiry = Math.max(now, ...[...out.added, ...out.updated].map((b) => b.expires));
        keepConnectionOf(st.source, lastExpiry - now);
        this.counters.accepted.inc();
        st.reply(200, 'OK', { headers });
      },
      (err: unknown) => this.notStored(st, err),
    );
  }

  private notStored(st: Replier, err: unknown): void {
    // A value the database cannot hold (e.g. a Contact longer than the column) will never fit.
    if (err instanceof LocationNotStored && err.why === 'invalid')
      return this.reject(st, 400, 'Bad Request: binding cannot be stored');
    this.reject(st, 500, 'Server Internal Error', [['Retry-After', String(OUTAGE_RETRY_AFTER)]]);
  }

  private reject(st: Replier, status: number, reason?: string, headers?: Array<[string, string]>): void {
    this.counters.rejected.inc();
    st.reply(status, reason, headers ? { headers } : {});
  }
}

function sourceInfo(req: SipRequest, source: MessageSource, fix: boolean) {
  return {
    received: registerReceived(req, source, fix),
    socket: `${source.protocol.toLowerCase()}:${source.localAddress}:${source.localPort}`,
    connectionId: source.connectionId ?? 0,
  };
}

/** min_expires_mode = clamp: a non-zero expiry below the minimum is raised to it (Kamailio's default). */
function clampToMinimum(bindings: Array<{ expires: number; lastModified: number }>, minExpires: number, now: number) {
  for (const b of bindings)
    if (b.expires !== 0 && b.lastModified === now && b.expires - now < minExpires * 1000)
      b.expires = now + minExpires * 1000;
}
