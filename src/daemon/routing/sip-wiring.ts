/**
 * The named steps SipModule.init (sip-module.ts) takes to build sipd's SIP side from the
 * configuration: the protection policy, the digest authenticator, the proxy environment the
 * §16.7 response contexts (core/proxy) run in, the registrar, the statistics counters and gauges,
 * and the management methods of each module. Each step reads the config and builds one part; the
 * order and the sharing of parts between them stay in init.
 */
import {
  DigestServer,
  recordRouteUri,
  RouteMarks,
  type ProxyEnvironment,
  type TransactionLayer,
  type Transport,
  resolveNextHop,
} from '../../core/index.js';
import { AuthGuard } from '../auth/auth-guard.js';
import type { ClusterMember } from '../cluster/member.js';
import type { SipdConfig } from '../config/load.js';
import { registerDirectoryMethods } from '../directory/directory-methods.js';
import type { Directory } from '../directory/directory.js';
import type { Logger } from '../log.js';
import type { MethodRegistry } from '../mgmt/registry.js';
import { RegistrarHandler } from '../registrar/registrar-handler.js';
import { COUNTED_METHODS, type Counter, type StatsRegistry } from '../stats.js';
import type { LocationService } from '../usrloc/location-service.js';
import { registerUlMethods } from '../usrloc/ul-methods.js';
import { registerProtectionMethods } from './protection-methods.js';
import { Protection } from './protection.js';
import type { RouterCounters } from './request-router.js';
import { routeMarkSecret } from './route-secret.js';

export function protectionFor(c: SipdConfig, now: () => number): Protection {
  return new Protection(
    {
      rateLimit: c.protection.rate_limit,
      rateWindow: c.protection.rate_window,
      banFailures: c.protection.ban_failures,
      banWindow: c.protection.ban_window,
      banTime: c.protection.ban_time,
      exempt: c.protection.exempt,
    },
    now,
  );
}

export function authGuardFor(
  c: SipdConfig,
  directory: Directory,
  protection: Protection,
  stats: StatsRegistry,
  now: () => number,
  cluster?: ClusterMember,
): AuthGuard {
  const digest = new DigestServer({
    // Empty auth.secret: random per start, shared by the workers of a multi-process sipd.
    secret: c.auth.secret || cluster?.nonceSecret || undefined,
    issuer: cluster?.index,
    nonceExpires: c.auth.nonce_expires,
    algorithms: c.auth.algorithms as Array<'MD5' | 'SHA-256'>,
    qop: c.auth.qop === 'auth' ? ['auth'] : [],
    // An answer without qop has no nc to detect replays: refused when qop was offered unless
    // the operator allows it, and then (as when none is offered) each such nonce serves once.
    allowNoQop: c.auth.qop === '' || c.auth.allow_no_qop,
    oneTimeNoQop: true,
    now,
  });
  return new AuthGuard(
    digest,
    directory,
    protection,
    {
      challenges: stats.counter('auth', 'challenges'),
      successes: stats.counter('auth', 'successes'),
      failures: stats.counter('auth', 'failures'),
      bans: stats.counter('security', 'bans'),
    },
    c.auth.realm,
  );
}

/** What the proxy environment takes from the module: its transaction layer (created later) and its work count. */
export interface EnvironmentHooks {
  tl(): TransactionLayer;
  busy(delta: 1 | -1): void;
}

export function proxyEnvironment(
  c: SipdConfig,
  stats: StatsRegistry,
  counters: RouterCounters,
  log: Logger,
  hooks: EnvironmentHooks,
): ProxyEnvironment {
  const fwdRequests = stats.counter('core', 'fwd_requests');
  const fwdReplies = stats.counter('core', 'fwd_replies');
  const uacTransactions = stats.counter('tm', 'uac_transactions');
  const timeouts = stats.counter('tm', 'timeouts');
  return {
    // The transaction layer is created after the router that uses this environment: read lazily.
    get tl() {
      return hooks.tl();
    },
    resolve: resolveNextHop,
    routeMarks: new RouteMarks(routeMarkSecret(c)),
    recordRoute: (inbound, outbound, mark, sips) => {
      const rr = (t: Transport, secure = false) =>
        recordRouteUri(t.sentBy.host, t.sentBy.port, t.protocol, mark, secure);
      const a = rr(inbound.transport, sips?.inbound);
      const b = rr(outbound, sips?.outbound);
      // Double Record-Route when the request changes transport or address family (Kamailio
      // enable_double_rr); both carry the dialog's mark.
      return a === b ? [a] : [b, a];
    },
    timerC: c.timers.fr_inv_ms,
    frTimer: c.timers.fr_ms,
    count: (what) => {
      if (what === 'fwd_request') {
        fwdRequests.inc();
        uacTransactions.inc();
      } else if (what === 'fwd_reply') fwdReplies.inc();
      else timeouts.inc();
    },
    countReply: (status) => counters.reply(status),
    onError: (err) => log.error({ err }, 'proxy error'),
    busy: (delta) => hooks.busy(delta),
  };
}

export function registrarFor(
  c: SipdConfig,
  directory: Directory,
  location: LocationService,
  auth: AuthGuard,
  stats: StatsRegistry,
  now: () => number,
): RegistrarHandler {
  return new RegistrarHandler(
    directory,
    location,
    auth,
    { accepted: stats.counter('registrar', 'accepted_regs'), rejected: stats.counter('registrar', 'rejected_regs') },
    {
      policy: {
        defaultExpires: c.registrar.default_expires,
        minExpires: c.registrar.min_expires,
        maxExpires: c.registrar.max_expires,
        maxContacts: c.registrar.max_contacts,
      },
      clampMinExpires: c.registrar.min_expires_mode === 'clamp',
      authenticate: c.auth.register,
      fixNatedRegister: c.nat.fix_register,
      acceptUnknown: c.registrar.accept_unknown,
      now,
    },
  );
}

/** Each module's management methods, in the order system.listMethods has always shown them. */
export function registerSipMethods(
  rpc: MethodRegistry,
  location: LocationService,
  directory: Directory,
  protection: Protection,
  now: () => number,
): void {
  registerUlMethods(rpc, { location, now });
  registerDirectoryMethods(rpc, directory);
  registerProtectionMethods(rpc, protection);
}

export function routerCounters(stats: StatsRegistry): RouterCounters {
  const byMethod = new Map<string, Counter>();
  for (const m of COUNTED_METHODS) byMethod.set(m.toUpperCase(), stats.counter('core', `rcv_requests_${m}`));
  const other = stats.counter('core', 'rcv_requests_other');
  const all = stats.counter('core', 'rcv_requests');
  const replies = stats.counter('core', 'rcv_replies');
  const byClass = [1, 2, 3, 4, 5, 6].map((k) => stats.counter('core', `rcv_replies_${k}xx`));
  return {
    request: (method) => {
      all.inc();
      (byMethod.get(method) ?? other).inc();
    },
    reply: (status) => {
      replies.inc();
      byClass[Math.floor(status / 100) - 1]?.inc();
    },
    dropped: stats.counter('core', 'drop_requests'),
    droppedReplies: stats.counter('core', 'drop_replies'),
    errors: stats.counter('core', 'err_requests'),
    parseErrors: stats.counter('core', 'parse_errors'),
    badReplies: stats.counter('core', 'err_replies'),
    rateLimited: stats.counter('security', 'rate_limited'),
    overloadRejected: stats.counter('core', 'overload_rejected'),
    relayDenied: stats.counter('security', 'relay_denied'),
    serverTransactions: stats.counter('tm', 'uas_transactions'),
    fwdRequests: stats.counter('core', 'fwd_requests'),
  };
}

export function registerStats(
  stats: StatsRegistry,
  tl: TransactionLayer,
  location: LocationService,
  protection: Protection,
): void {
  stats.gauge('tm', 'current', () => tl.stats.clientTransactions + tl.stats.serverTransactions);
  stats.gauge('tm', 'server_transactions', () => tl.stats.serverTransactions, 'server transactions in progress');
  stats.gauge('tm', 'client_transactions', () => tl.stats.clientTransactions, 'client transactions in progress');
  stats.gauge('usrloc', 'registered_users', () => location.counts().users);
  stats.gauge('usrloc', 'registered_contacts', () => location.counts().contacts);
  stats.gauge('security', 'banned', () => protection.banned().length);
}
