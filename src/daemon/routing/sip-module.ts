/**
 * The SIP side of sipd as one module of the server (module.ts): it opens the store, loads the
 * provisioning caches and the registrations, puts a transaction layer on the server's transport
 * layer with the request router as its user, and registers statistics and management methods.
 *
 * init:  store → directory → location (restart: registrations come back) → transaction layer
 * ready: "myself" from the bound listeners, expiry sweeping, NAT keepalives
 * drain: wait for pending transactions (new requests get 503 meanwhile)
 * close: stop timers, flush location writes, close the store
 */
import {
  DigestServer,
  recordRouteUri,
  RouteMarks,
  TransactionLayer,
  type ServerTransaction,
  type Transport,
  type ProxyContext,
  type ProxyEnvironment,
} from '../../core/index.js';
import { openStore, type Store } from '../../store/index.js';
import type { SipdConfig } from '../config/load.js';
import type { DrainContext, ModuleContext, SipdModule } from '../module.js';
import { COUNTED_METHODS, type Counter, type StatsRegistry } from '../stats.js';
import { LocationService } from '../usrloc/location-service.js';
import { AuthGuard } from '../auth/auth-guard.js';
import { CallRouter } from './call-router.js';
import { Directory } from '../directory/directory.js';
import { StoreLocationPersistence } from '../usrloc/location-persistence.js';
import { Myself } from './myself.js';
import { NatKeepalive } from '../nat/nat-keepalive.js';
import { Protection } from './protection.js';
import { RegistrarHandler } from '../registrar/registrar-handler.js';
import { RequestRouter, type RouterCounters } from './request-router.js';
import { resolveNextHop } from './resolve.js';
import { routeMarkSecret } from './route-secret.js';
import { registerUlMethods } from '../usrloc/ul-methods.js';

export class SipModule implements SipdModule {
  readonly name = 'sip';
  store: Store | undefined;
  location: LocationService | undefined;
  directory: Directory | undefined;
  tl: TransactionLayer | undefined;
  private router: RequestRouter | undefined;
  private auth: AuthGuard | undefined;
  private keepalive: NatKeepalive | undefined;
  /** Requests being handled (registrar, lookups) and proxied requests without a final answer. */
  private inProgress = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async init(ctx: ModuleContext): Promise<void> {
    const c = ctx.config;
    const log = ctx.log;
    this.store = await openStore(c.db_url, { schema: c.db_url.startsWith('sqlite:') ? 'create' : 'require' });
    const directory = (this.directory = new Directory(this.store, c.domains, this.now));
    const counts = await directory.load();
    // usrloc.db_mode 0: memory only, by the operator's choice (Kamailio db_mode 0).
    const persistence = c.usrloc.db_mode === 0 ? undefined : new StoreLocationPersistence(this.store);
    const location = (this.location = new LocationService(persistence, this.now, {
      onOutage: (err) => log.error({ err }, 'location: database write failed; REGISTER gets 500 until it recovers'),
      onRecovered: () => log.info('location: database writes succeed again'),
    }));
    const restored = await location.load();
    log.info({ ...counts, registrations: restored }, 'directory and registrations loaded');

    const stats = ctx.stats;
    const protection = new Protection(
      {
        rateLimit: c.protection.rate_limit,
        rateWindow: c.protection.rate_window,
        banFailures: c.protection.ban_failures,
        banWindow: c.protection.ban_window,
        banTime: c.protection.ban_time,
        exempt: c.protection.exempt,
      },
      this.now,
    );
    const digest = new DigestServer({
      secret: c.auth.secret || undefined,
      nonceExpires: c.auth.nonce_expires,
      algorithms: c.auth.algorithms as Array<'MD5' | 'SHA-256'>,
      qop: c.auth.qop === 'auth' ? ['auth'] : [],
      // An answer without qop has no nc to detect replays: refused when qop was offered unless
      // the operator allows it, and then (as when none is offered) each such nonce serves once.
      allowNoQop: c.auth.qop === '' || c.auth.allow_no_qop,
      oneTimeNoQop: true,
      now: this.now,
    });
    const auth = (this.auth = new AuthGuard(
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
    ));
    const contexts = new WeakMap<ServerTransaction, ProxyContext>();
    const fwdRequests = stats.counter('core', 'fwd_requests');
    const fwdReplies = stats.counter('core', 'fwd_replies');
    const uacTransactions = stats.counter('tm', 'uac_transactions');
    const timeouts = stats.counter('tm', 'timeouts');
    const counters = routerCounters(stats);
    // The transaction layer is created below; the environment reads it lazily.
    const env: ProxyEnvironment = {
      get tl() {
        return self.tl!;
      },
      resolve: resolveNextHop,
      routeMarks: new RouteMarks(routeMarkSecret(c)),
      recordRoute: (inbound, outbound, mark) => {
        const rr = (t: Transport) => recordRouteUri(t.sentBy.host, t.sentBy.port, t.protocol, mark);
        const a = rr(inbound.transport);
        const b = rr(outbound);
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
      busy: (delta) => {
        this.inProgress += delta;
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const registrar = new RegistrarHandler(
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
        now: this.now,
      },
    );
    const calls = new CallRouter(
      env,
      directory,
      location,
      auth,
      { authMethods: c.auth.methods, mode: c.proxy.mode, recordRoute: c.proxy.record_route, acl: c.acl },
      contexts,
    );
    this.router = new RequestRouter({
      env,
      registrar,
      calls,
      location,
      protection,
      counters,
      contexts,
      accepting: () => ctx.server.accepting,
      busy: env.busy!,
      onError: (err, what) => log.error({ err }, `${what} failed`),
    });
    this.tl = new TransactionLayer({
      transport: ctx.server.transportLayer,
      user: this.router,
      settings: { T1: c.timers.t1_ms, T2: c.timers.t2_ms, T4: c.timers.t4_ms },
    });
    registerStats(stats, this.tl, location, protection);
    registerUlMethods(ctx.rpc, { location, directory, protection, now: this.now });
    this.keepalive = new NatKeepalive(this.tl, location, c.nat.keepalive_interval, log);
  }

  ready(ctx: ModuleContext): void {
    const layer = ctx.server.transportLayer;
    this.router!.myself = this.auth!.myself = new Myself(layer.transports, this.directory!.domains());
    this.location!.startSweeping(1000);
    this.keepalive!.start();
  }

  async drain(ctx: DrainContext): Promise<void> {
    // Requests in progress get their final answers (or time out) while new ones get 503. Only
    // work still owing an answer counts: answered transactions linger for retransmissions
    // (Timer J/K/D, up to 32 s on UDP), and waiting for them would make every stop take drain_ms.
    while (this.inProgress > 0 && Date.now() < ctx.deadline && !ctx.signal.aborted) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.keepalive?.stop();
    this.location?.stopSweeping();
    await this.location?.flush();
    this.tl?.close();
    await this.store?.close();
  }
}

export function sipModules(_config: SipdConfig): SipModule[] {
  return [new SipModule()];
}

function routerCounters(stats: StatsRegistry): RouterCounters {
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
    relayDenied: stats.counter('security', 'relay_denied'),
    serverTransactions: stats.counter('tm', 'uas_transactions'),
    fwdRequests: stats.counter('core', 'fwd_requests'),
  };
}

function registerStats(
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
