/**
 * The sipd server object: owns the frozen config, logger, statistics, RPC method registry, SIP
 * listeners and management socket, and runs modules' hooks in a fixed order (see module.ts).
 * `start()` resolves once every listener is bound and the management socket accepts calls;
 * `stop()` is idempotent and returns the same promise to every caller. The library installs no
 * signal handlers: `sipd run` does (src/daemon/lifecycle/run.ts).
 */
import { EventEmitter } from 'node:events';
import type { SipdConfig } from './config/load.js';
import type { BoundAddress } from './config/listen.js';
import { silentLogger, type Logger } from './log.js';
import { registerCoreMethods } from './mgmt/core-methods.js';
import { MethodRegistry } from './mgmt/registry.js';
import { MgmtServer } from './mgmt/socket-server.js';
import type { DrainContext, ModuleContext, SipdModule } from './module.js';
import { registerCoreStats, StatsRegistry } from './stats.js';
import type { TransportLayer } from '../core/index.js';
import type { ClusterMember } from './cluster/member.js';
import { CoreSipTransport, type SipTransport, type TransportFactory } from './transport.js';

export type ServerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface SipdServerOptions {
  config: SipdConfig;
  log?: Logger;
  modules?: SipdModule[];
  /** Builds the SIP transport; default CoreSipTransport (the core's TransportLayer). */
  transport?: TransportFactory;
  /** Milliseconds clock (tests). */
  now?: () => number;
  /**
   * A worker of a multi-process sipd (cluster/): set, the server opens no management socket (the
   * primary holds it and calls this server's methods over IPC) and modules see `cluster`.
   */
  cluster?: ClusterMember;
}

export interface ServerEvents {
  state: [state: ServerState];
}

export class SipdServer extends EventEmitter<ServerEvents> {
  readonly config: SipdConfig;
  readonly log: Logger;
  readonly stats = new StatsRegistry();
  readonly rpc = new MethodRegistry();
  readonly now: () => number;
  /** Which worker this is, in a multi-process sipd (`workers` > 1); undefined in a single process. */
  readonly cluster: ClusterMember | undefined;
  /** Epoch ms when start() was called. */
  startedAt = 0;
  /** False from the first moment of stop(): request handlers answer 503 to new work. */
  accepting = false;
  private _state: ServerState = 'new';
  private _addresses: BoundAddress[] = [];
  private readonly modules: SipdModule[] = [];
  private readonly inited: SipdModule[] = [];
  private readonly transportFactory: TransportFactory;
  private transport?: SipTransport;
  private mgmt?: MgmtServer;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private resolveStopped!: () => void;
  /** Resolves when the server has stopped (by stop(), core.shutdown or a failed start). */
  readonly stopped: Promise<void>;

  constructor(opts: SipdServerOptions) {
    super();
    this.config = opts.config;
    this.log = opts.log ?? silentLogger();
    this.now = opts.now ?? Date.now;
    this.cluster = opts.cluster;
    this.transportFactory = opts.transport ?? ((ctx) => new CoreSipTransport(ctx));
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    registerCoreStats(this.stats);
    registerCoreMethods(this);
    for (const m of opts.modules ?? []) this.use(m);
  }

  get state(): ServerState {
    return this._state;
  }

  /** The bound SIP listeners (real ports); throws before start() has bound them. */
  get addresses(): readonly BoundAddress[] {
    if (this._state === 'new') throw new Error('sipd server: addresses are known only after start()');
    return this._addresses;
  }

  get mgmtSocket(): string {
    return this.config.mgmt.socket;
  }

  /** The SIP transport (created when start() begins, before the modules' init hooks). */
  get sipTransport(): SipTransport | undefined {
    return this.transport;
  }

  /**
   * The core TransportLayer modules receive from (set `layer.user`, or put a TransactionLayer on
   * it) and send through. Available from the modules' init hooks on.
   */
  get transportLayer(): TransportLayer {
    const layer = this.transport?.layer;
    if (!layer) throw new Error('sipd server: no transport layer (before start(), or a transport without one)');
    return layer;
  }

  /** Adds a module; only before start(). */
  use(m: SipdModule): this {
    if (this._state !== 'new') throw new Error(`sipd server: cannot add module ${m.name} after start()`);
    if (this.modules.some((x) => x.name === m.name)) throw new Error(`sipd server: module ${m.name} added twice`);
    this.modules.push(m);
    return this;
  }

  start(): Promise<void> {
    if (this._state !== 'new' && !this.starting)
      return Promise.reject(new Error(`sipd server: already ${this._state}`));
    this.starting ??= this.runStart();
    return this.starting;
  }

  private async runStart(): Promise<void> {
    this.startedAt = this.now();
    this.setState('starting');
    try {
      this.transport = this.transportFactory({
        log: this.log.child({ module: 'transport' }),
        config: this.config,
        stats: this.stats,
      });
      for (const m of this.modules) {
        await m.init?.(this.ctx(m));
        this.inited.push(m);
      }
      this._addresses = await this.transport.listen(this.config.listen);
      this.accepting = true;
      for (const m of this.modules) await m.ready?.(this.ctx(m));
      if (!this.cluster) await this.openMgmt();
    } catch (e) {
      this.accepting = false;
      await this.teardown(0);
      this.setState('failed');
      this.resolveStopped();
      throw e;
    }
    this.setState('running');
    this.log.info({ listen: this._addresses, socket: this.cluster ? undefined : this.mgmtSocket }, 'sipd started');
  }

  private async openMgmt(): Promise<void> {
    this.mgmt = new MgmtServer({
      path: this.config.mgmt.socket,
      mode: this.config.mgmt.mode,
      group: this.config.mgmt.group,
      registry: this.rpc,
      log: this.log.child({ module: 'mgmt' }),
    });
    await this.mgmt.listen();
  }

  /**
   * Graceful stop, in this order: stop accepting new work; modules' drain hooks (reverse order,
   * bounded by timers.drain_ms); close SIP sockets; close the management socket; modules' close
   * hooks (reverse order). Idempotent: every call returns the same promise. Safe before start().
   */
  stop(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  private async runStop(): Promise<void> {
    if (this._state === 'new') {
      this.setState('stopped');
      this.resolveStopped();
      return;
    }
    // A stop() during start() waits for start to settle (a failed start has already torn down).
    await this.starting?.catch(() => {});
    if (this._state === 'failed') return;
    this.setState('stopping');
    this.log.info('sipd stopping: no new work accepted, draining');
    this.accepting = false;
    this.transport?.stopAccepting();
    await this.teardown(this.config.timers.drain_ms);
    this.setState('stopped');
    this.log.info('sipd stopped');
    this.resolveStopped();
  }

  private async teardown(drainMs: number): Promise<void> {
    const started = [...this.inited].reverse();
    if (drainMs > 0 && started.some((m) => m.drain)) {
      const ac = new AbortController();
      const deadline = this.now() + drainMs;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => {
        timer = setTimeout(() => {
          this.log.warn({ drain_ms: drainMs }, 'drain timeout: closing with work still in flight');
          ac.abort();
          r();
        }, drainMs);
      });
      const drains = (async () => {
        for (const m of started) {
          if (ac.signal.aborted) break;
          const ctx: DrainContext = { ...this.ctx(m), deadline, signal: ac.signal };
          await this.guard(m, 'drain', () => m.drain?.(ctx));
        }
      })();
      await Promise.race([drains, timeout]);
      clearTimeout(timer);
    }
    await this.transport?.close();
    await this.mgmt?.close();
    for (const m of started) await this.guard(m, 'close', () => m.close?.(this.ctx(m)));
    this.inited.length = 0;
  }

  /** A hook that throws during shutdown is logged; shutdown goes on. */
  private async guard(m: SipdModule, hook: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.error({ err, module: m.name }, `module ${m.name}: ${hook} failed`);
    }
  }

  private ctx(m: SipdModule): ModuleContext {
    return {
      config: this.config,
      log: this.log.child({ module: m.name }),
      stats: this.stats,
      rpc: this.rpc,
      server: this,
    };
  }

  private setState(s: ServerState): void {
    this._state = s;
    this.emit('state', s);
  }

  /** Module names in registration order. */
  moduleNames(): string[] {
    return this.modules.map((m) => m.name);
  }
}
