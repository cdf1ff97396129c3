/**
 * Initial requests other than REGISTER (architecture.md pipeline steps 3 and 5):
 * - for a domain we do not serve, with a pre-loaded Route left after ours (a foreign hop), or
 *   with a Request-URI whose maddr names another host: relayed only for authenticated local
 *   users (no open relay);
 * - for a local user: caller authentication (407) for local callers, alias resolution (dbaliases),
 *   ACL prefix rules (grp), unconditional forwarding (usr_preferences `cfu`), location lookup
 *   (404 unknown user, 480 not registered), then redirect (302) or parallel forking to every
 *   contact with Record-Route, and forwarding on busy (`cfb`) or no answer (`cfna`).
 */
import {
  isSipUri,
  parseUri,
  unescape,
  type BestResponse,
  type ServerTransaction,
  type SipRequest,
  type SipUri,
  ProxyContext,
  type BranchTarget,
  type ProxyEnvironment,
} from '../../core/index.js';
import type { LocationService } from '../usrloc/location-service.js';
import type { AuthGuard, AuthOutcome } from '../auth/auth-guard.js';
import type { Directory } from '../directory/directory.js';
import { hasForeignMaddr, type Myself } from './myself.js';
import { branchFor } from '../nat/nat.js';

export interface CallRouterOptions {
  /** methods whose requests from local users must authenticate */
  authMethods: readonly string[];
  mode: 'proxy' | 'redirect';
  recordRoute: boolean;
  acl: ReadonlyArray<{ prefix: string; group: string }>;
}

type Caller = { username: string; domain: string };

/** usr_preferences attributes that drive call forwarding. */
export const FORWARD_ATTRIBUTES = { unconditional: 'cfu', busy: 'cfb', noAnswer: 'cfna' } as const;

export class CallRouter {
  /** Our addresses and domains, set when the listeners are bound (a maddr naming us is harmless). */
  myself: Myself | undefined;
  /** Counts refusals (security.relay_denied). */
  onRelayDenied: (() => void) | undefined;
  /** Requests whose caller authenticated as one of our users: their dialogs' marks are `open`. */
  private readonly trusted = new WeakSet<SipRequest>();

  constructor(
    private readonly env: ProxyEnvironment,
    private readonly directory: Directory,
    private readonly location: LocationService,
    private readonly auth: AuthGuard,
    private readonly opts: CallRouterOptions,
    /** remembers the proxy context of a server transaction, for CANCEL */
    private readonly contexts: WeakMap<ServerTransaction, ProxyContext>,
  ) {}

  /** Whether `host` is one of the domains we serve (config or domain table). */
  servesDomain(host: string): boolean {
    return this.directory.isLocalDomain(host);
  }

  /** Route one initial request; synchronous unless the database must be asked about a user. */
  route(req: SipRequest, st: ServerTransaction): void | Promise<void> {
    const ruri = req.requestUri();
    if (!isSipUri(ruri)) {
      st.reply(416, 'Unsupported URI Scheme');
      return;
    }
    const from = req.from().uri;
    const fromDomain = isSipUri(from) ? from.host.toLowerCase() : '';
    const callerIsLocal = fromDomain !== '' && this.directory.isLocalDomain(fromDomain);
    if (!callerIsLocal || !this.opts.authMethods.includes(req.method)) return this.routeFrom(req, st, undefined);
    const a = this.auth.check(req, st, fromDomain);
    if (a instanceof Promise) return a.then((r) => this.afterAuth(req, st, r, fromDomain));
    return this.afterAuth(req, st, a, fromDomain);
  }

  private afterAuth(req: SipRequest, st: ServerTransaction, a: AuthOutcome, fromDomain: string): void | Promise<void> {
    if (!a.ok) return;
    // The From user must be the authenticated one (Kamailio's check_from / db_check_from).
    const from = req.from().uri;
    if (!isSipUri(from) || unescape(from.user ?? '') !== a.username) {
      st.reply(403, 'Forbidden: From does not match the authenticated user');
      return;
    }
    this.auth.consume(req, fromDomain);
    // A CANCEL may have come while the database was asked: it was answered with 487 already.
    if (this.isCancelled(st)) return;
    this.trusted.add(req);
    return this.routeFrom(req, st, a);
  }

  /** Pipeline steps 3 and 5 for an (authenticated or not) caller. */
  private routeFrom(req: SipRequest, st: ServerTransaction, caller: Caller | undefined): void | Promise<void> {
    const ruri = req.requestUri() as SipUri;
    const domain = ruri.host.toLowerCase();
    if (!caller) {
      // Our own Route values are gone (request-router): any left is a hop the sender chose, and
      // the request would go there whatever its Request-URI (§16.6 step 7). Kamailio's default
      // script answers the same ("Preload Route denied").
      if (req.has('route')) {
        this.denied(st, 'Preload Route denied');
        return;
      }
      // §19.1.1: maddr overrides the host; `sip:bob@our.domain;maddr=elsewhere` must not send
      // anything elsewhere (a local user's branches use the registered contacts, but refuse it
      // plainly rather than rely on every path ignoring it).
      if (hasForeignMaddr(ruri, this.myself)) {
        this.denied(st, 'maddr in Request-URI');
        return;
      }
    }
    if (!this.directory.isLocalDomain(domain)) {
      if (!caller) {
        st.reply(403, 'Relaying Forbidden');
        return;
      }
      this.proxy(req, st, [{ uri: req.uri }]);
      return;
    }
    let user = unescape(ruri.user ?? '');
    let userDomain = domain;
    const alias = this.directory.resolveAlias(user, domain);
    if (alias) {
      user = alias.username;
      userDomain = alias.domain.toLowerCase();
    }
    for (const rule of this.opts.acl) {
      if (!user.startsWith(rule.prefix)) continue;
      if (!caller || !this.directory.inGroup(caller.username, caller.domain, rule.group)) {
        st.reply(403, `Forbidden: not in group ${rule.group}`);
        return;
      }
    }
    const known = this.directory.cached(user, userDomain);
    if (known !== undefined) return this.toLocalUser(req, st, known !== null, user, userDomain);
    return this.directory.findSubscriber(user, userDomain).then((s) => {
      if (!this.isCancelled(st)) this.toLocalUser(req, st, s !== undefined, user, userDomain);
    });
  }

  /** Forwarding, location lookup, redirect or forking for a user of ours. */
  private toLocalUser(req: SipRequest, st: ServerTransaction, exists: boolean, user: string, userDomain: string): void {
    if (!exists) {
      st.reply(404, 'Not Found');
      return;
    }
    const cfu = this.forwardTarget(user, userDomain, FORWARD_ATTRIBUTES.unconditional);
    if (cfu) {
      this.forwardTo(req, st, cfu);
      return;
    }
    const bindings = this.location.lookup(`${user}@${userDomain}`);
    if (bindings.length === 0) {
      const cfna = this.forwardTarget(user, userDomain, FORWARD_ATTRIBUTES.noAnswer);
      if (cfna) this.forwardTo(req, st, cfna);
      else st.reply(480, 'Temporarily Unavailable');
      return;
    }
    if (this.opts.mode === 'redirect') {
      // A redirect server answers 302 with the registered contacts (RFC 3261 §8.3, Kamailio sl 3xx).
      const headers = bindings.map((b): [string, string] => [
        'Contact',
        `<${b.contact}>${b.q !== 1 ? `;q=${b.q}` : ''}`,
      ]);
      st.reply(302, 'Moved Temporarily', { headers });
      return;
    }
    const targets = bindings.map(branchFor);
    const ctx = this.proxy(req, st, targets, false);
    ctx.onFailure = (best) => this.failureForward(best, user, userDomain);
    ctx.fork(targets);
  }

  /** Relay to targets in a new proxy context; with `start` false the caller forks itself. */
  proxy(req: SipRequest, st: ServerTransaction, targets: BranchTarget[], start = true): ProxyContext {
    const recordRoute = this.opts.recordRoute && req.method !== 'REGISTER';
    const ctx = new ProxyContext(this.env, st, req, recordRoute);
    ctx.trustedCaller = this.trusted.has(req);
    this.contexts.set(st, ctx);
    if (start) ctx.fork(targets);
    return ctx;
  }

  /** Forwarding on busy (486, 600) or no answer (408, 480) from the callee's preferences. */
  private failureForward(best: BestResponse, user: string, domain: string): BranchTarget[] | undefined {
    const attr =
      best.status === 486 || best.status === 600
        ? FORWARD_ATTRIBUTES.busy
        : best.status === 408 || best.status === 480
          ? FORWARD_ATTRIBUTES.noAnswer
          : undefined;
    const target = attr && this.forwardTarget(user, domain, attr);
    if (!target) return undefined;
    const targets = this.targetsFor(target);
    return targets.length > 0 ? targets : undefined;
  }

  /** Forward a request to a forwarding target (cfu, cfna when not registered). */
  private forwardTo(req: SipRequest, st: ServerTransaction, uri: string): void {
    const targets = this.targetsFor(uri);
    if (targets.length === 0) st.reply(480, 'Temporarily Unavailable');
    else this.proxy(req, st, targets);
  }

  /**
   * Branches for a URI: a user of one of our domains is looked up here (aliases, location)
   * rather than sent out and back in; anything else is relayed as is (a forwarding target is the
   * operator's data, usr_preferences, so a maddr in it is theirs too).
   */
  private targetsFor(uri: string): BranchTarget[] {
    let parsed;
    try {
      parsed = parseUri(uri);
    } catch {
      return [];
    }
    if (!isSipUri(parsed) || parsed.user === undefined || !this.directory.isLocalDomain(parsed.host)) return [{ uri }];
    let user = unescape(parsed.user);
    let domain = parsed.host.toLowerCase();
    const alias = this.directory.resolveAlias(user, domain);
    if (alias) [user, domain] = [alias.username, alias.domain.toLowerCase()];
    return this.location.lookup(`${user}@${domain}`).map(branchFor);
  }

  /** A forwarding preference as a URI: a SIP/tel URI as is, "user@domain" or a bare user/number. */
  private forwardTarget(user: string, domain: string, attribute: string): string | undefined {
    const v = this.directory.preference(user, domain, attribute)?.trim();
    if (!v) return undefined;
    if (/^(sips?|tel):/i.test(v)) return v;
    return v.includes('@') ? `sip:${v}` : `sip:${v}@${domain}`;
  }

  /** 403 for a request that would make sipd relay for a stranger. */
  private denied(st: ServerTransaction, why: string): void {
    this.onRelayDenied?.();
    st.reply(403, `Forbidden: ${why}`);
  }

  /** A CANCEL came while we were looking things up: it was answered with 487 already. */
  private isCancelled(st: ServerTransaction): boolean {
    return st.state !== 'Proceeding' && st.state !== 'Trying';
  }
}
