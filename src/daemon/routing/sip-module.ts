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
  systemClock,
  TimerQueue,
  TransactionLayer,
  UdpTransport,
  type WatchedQueue,
  type ProxyContext,
  type ServerTransaction,
} from '../../core/index.js';
import { openStore, type Store } from '../../store/index.js';
import { AuthGuard } from '../auth/auth-guard.js';
import type { SipdConfig } from '../config/load.js';
import { Directory } from '../directory/directory.js';
import type { DrainContext, ModuleContext, SipdModule } from '../module.js';
import { NatKeepalive } from '../nat/nat-keepalive.js';
import type { MediaRelay } from '../rtpengine/media-relay.js';
import { mediaRelayFor } from '../rtpengine/media-wiring.js';
import { ackMedia } from '../rtpengine/route-media.js';
import { StoreLocationPersistence } from '../usrloc/location-persistence.js';
import { LocationService } from '../usrloc/location-service.js';
import { ReplicatingPersistence } from '../cluster/location-replication.js';
import type { Route } from './api/route.js';
import type { RouteServices } from './api/services.js';
import { ConfigError } from '../config/load.js';
import { defaultRoute } from './default-route.js';
import { DialogGuard } from './dialog-guard.js';
import { Myself } from './myself.js';
import { OverloadGuard } from './overload.js';
import { IdleCompaction } from '../lifecycle/idle-compaction.js';
import { ProxyRelayer } from './proxy-relayer.js';
import { RequestRouter } from './request-router.js';
import { loadRouteFile } from './route-loader.js';
import { registerRouteMethods, routeReloader } from './route-methods.js';
import {
  authGuardFor,
  protectionFor,
  proxyEnvironment,
  registerSipMethods,
  registerStats,
  registrarFor,
  routerCounters,
} from './sip-wiring.js';

/** sipd's timer grid (timer-queue.ts coalesceMs): protocol timers fire at most this late. */
const TIMER_COALESCE_MS = 5;

export class SipModule implements SipdModule {
  readonly name = 'sip';
  store: Store | undefined;
  location: LocationService | undefined;
  directory: Directory | undefined;
  tl: TransactionLayer | undefined;
  private router: RequestRouter | undefined;
  private auth: AuthGuard | undefined;
  private me: Myself | undefined;
  /** the route in force (sipd.conf `route`, else the default route); swapped whole on reload */
  route: Route = defaultRoute;
  private keepalive: NatKeepalive | undefined;
  private overload: OverloadGuard | undefined;
  /** gives memory back to the system once a burst is over (lifecycle/idle-compaction.ts) */
  private compaction: IdleCompaction | undefined;
  /**
   * Where received messages wait, whose backlog tells overload (known from ready() on): the bound
   * UDP listeners and, in a worker, its peer channel.
   */
  private queues: WatchedQueue[] = [];
  private media: MediaRelay | undefined;
  /** Requests being handled (registrar, lookups) and proxied requests without a final answer. */
  private inProgress = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async init(ctx: ModuleContext): Promise<void> {
    const { config: c, log, stats } = ctx;
    await this.loadUserRoute(c, log);
    const { directory, location } = await this.openStorage(ctx);
    const protection = protectionFor(c, this.now);
    const auth = (this.auth = authGuardFor(c, directory, protection, stats, this.now, ctx.server.cluster));
    const contexts = new WeakMap<ServerTransaction, ProxyContext>();
    const counters = routerCounters(stats);
    const overload = (this.overload = new OverloadGuard({
      limitMs: c.limits.overload_backlog_ms,
      backlogMs: () => worstMs(this.queues, (q, now) => q.backlogMs(now)),
      overflowMs: () => worstMs(this.queues, (q, now) => (q.overflowing(now) ? q.backlogMs(now) : 0)),
      waitMs: () => worstMs(this.queues, (q, now) => q.waitMs(now)),
      stalls: stats.counter('core', 'loop_stalls'),
      lag: stats.gauge('core', 'loop_lag_ms'),
      // Idle (nothing received for a tick): the probe slows down (overload.ts IDLE_TICK_MS).
      activity: () => messagesIn(ctx.server.transportLayer.transports),
    }));
    const env = proxyEnvironment(c, stats, counters, log, {
      tl: () => this.tl!,
      busy: (delta) => {
        this.inProgress += delta;
      },
    });
    const registrar = registrarFor(c, directory, location, auth, stats, this.now);
    const relayer = new ProxyRelayer(env, contexts, () => counters.fwdRequests.inc());
    const myself = (): Myself | undefined => this.me;
    const media = (this.media = mediaRelayFor(c, stats, log, ctx.rpc));
    const services: RouteServices = {
      media,
      directory,
      location,
      auth,
      registrar,
      relayer,
      marks: env.routeMarks,
      settings: { authMethods: c.auth.methods, mode: c.proxy.mode, recordRoute: c.proxy.record_route, acl: c.acl },
      myself,
      relayDenied: () => counters.relayDenied.inc(),
    };
    this.router = new RequestRouter({
      env,
      services,
      relayer,
      guard: new DialogGuard(env.routeMarks, location, myself),
      protection,
      counters,
      contexts,
      route: () => this.route,
      ackMedia: media && ((ack) => ackMedia(media, ack)),
      routeTimeout: c.route_timeout_ms,
      accepting: () => ctx.server.accepting,
      overloaded: (answersChallenge) => overload.overloaded(answersChallenge),
      overloadRetryAfter: c.limits.overload_retry_after,
      busy: env.busy!,
      onError: (err, what) => log.error({ err }, `${what} failed`),
      onRouteError: (err, route, req) =>
        log.error({ err, route: route.name, method: req.method, callId: req.callId() }, 'route failed: answered 500'),
    });
    this.tl = new TransactionLayer({
      transport: ctx.server.transportLayer,
      user: this.router,
      settings: { T1: c.timers.t1_ms, T2: c.timers.t2_ms, T4: c.timers.t4_ms, wait: c.timers.wt_ms },
      // Timers due within 5 ms share one wake-up (timer-queue.ts): at 300 calls/s that is
      // ~200 Node timers a second instead of one per protocol timer.
      timers: new TimerQueue(systemClock, { coalesceMs: TIMER_COALESCE_MS }),
    });
    registerStats(stats, this.tl, location, protection);
    registerSipMethods(ctx.rpc, location, directory, protection, this.now);
    registerRouteMethods(ctx.rpc, routeReloader(this, c.route, log));
    // One worker keeps NAT bindings alive for all (they share the location): not once per worker.
    const keepaliveInterval = (ctx.server.cluster?.index ?? 0) === 0 ? c.nat.keepalive_interval : 0;
    this.keepalive = new NatKeepalive(this.tl, location, keepaliveInterval, log);
  }

  /** sipd.conf `route`: loaded before anything opens, so that a broken route stops the start (exit 2). */
  private async loadUserRoute(c: SipdConfig, log: ModuleContext['log']): Promise<void> {
    if (c.route === '') return;
    try {
      this.route = await loadRouteFile(c.route);
    } catch (e) {
      throw new ConfigError([{ key: 'route', message: (e as Error).message }], c.config_file);
    }
    log.info({ route_file: c.route, route: this.route.name }, 'route loaded');
  }

  /** The store, the provisioning caches and the registrations (after a restart they come back). */
  private async openStorage(ctx: ModuleContext): Promise<{ directory: Directory; location: LocationService }> {
    const { config: c, log } = ctx;
    this.store = await openStore(c.db_url, { schema: c.db_url.startsWith('sqlite:') ? 'create' : 'require' });
    const directory = (this.directory = new Directory(this.store, c.domains, this.now));
    const counts = await directory.load();
    // usrloc.db_mode 0: memory only, by the operator's choice (Kamailio db_mode 0).
    const db = c.usrloc.db_mode === 0 ? undefined : new StoreLocationPersistence(this.store);
    // Several workers: each change also reaches the other workers before it is acknowledged.
    const cluster = ctx.server.cluster;
    const persistence = cluster ? new ReplicatingPersistence(db, cluster) : db;
    const location = (this.location = new LocationService(
      persistence,
      this.now,
      {
        onOutage: (err) => log.error({ err }, 'location: database write failed; REGISTER gets 500 until it recovers'),
        onRecovered: () => log.info('location: database writes succeed again'),
      },
      // Memory only but replicated: no database to group writes for, only the other workers.
      { collectMs: db ? 10 : 1 },
    ));
    const restored = await location.load();
    cluster?.attachLocation(location);
    log.info({ ...counts, registrations: restored }, 'directory and registrations loaded');
    return { directory, location };
  }

  ready(ctx: ModuleContext): void {
    const layer = ctx.server.transportLayer;
    this.me = this.auth!.myself = new Myself(layer.transports, this.directory!.domains());
    const udp = layer.transports.filter((t): t is UdpTransport => t instanceof UdpTransport);
    this.queues = [...udp, ...(ctx.server.sipTransport?.watchedQueues?.() ?? [])];
    this.location!.startSweeping(1000);
    this.keepalive!.start();
    this.overload!.start();
    const tl = this.tl!;
    const location = this.location!;
    this.compaction = new IdleCompaction({
      messagesIn: () => layer.transports.reduce((n, t) => n + t.stats.messagesIn, 0),
      live: () => tl.stats.clientTransactions + tl.stats.serverTransactions + location.indexedContacts,
    });
    this.compaction.start();
    // The directory and location loads were a burst of allocation of their own.
    this.compaction.compactWhenQuiet();
  }

  async drain(ctx: DrainContext): Promise<void> {
    // Requests in progress get their final answers (or time out) while new ones get 503. Only
    // work still owing an answer counts: answered transactions linger for retransmissions
    // (Timers J/K/D, up to timers.wt_ms), and waiting for them would make every stop take drain_ms.
    while (this.inProgress > 0 && Date.now() < ctx.deadline && !ctx.signal.aborted) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.overload?.stop();
    this.compaction?.stop();
    this.keepalive?.stop();
    this.media?.set.close();
    this.location?.stopSweeping();
    await this.location?.flush();
    this.tl?.close();
    await this.store?.close();
  }
}

export function sipModules(_config: SipdConfig): SipModule[] {
  return [new SipModule()];
}

/** Messages received so far by every listener. */
function messagesIn(transports: readonly { stats: { messagesIn: number } }[]): number {
  let n = 0;
  for (const t of transports) n += t.stats.messagesIn;
  return n;
}

/**
 * The worst of `read` over the watched queues (ms; 0 when there are none): their backlog, the wait
 * of the requests being read, or (overflowMs) the backlog of those whose kernel queue also
 * overflows. Asked at every tick of the overload probe.
 */
function worstMs(queues: readonly WatchedQueue[], read: (q: WatchedQueue, now: number) => number): number {
  let worst = 0;
  const now = performance.now();
  for (const q of queues) worst = Math.max(worst, read(q, now));
  return worst;
}
