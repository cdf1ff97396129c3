/**
 * The primary process of a multi-process sipd (`workers = N` > 1). It serves no SIP itself: it
 * forks the workers (node:cluster, the same command line; worker.ts), through which they share
 * the listeners, and is the one sipd the outside sees: the pid file (run.ts), the management
 * socket (its methods fan out to the workers: primary-methods.ts), the relay of the workers'
 * control messages (their peer ports; location changes while a worker starts, which otherwise go
 * worker to worker: peer-replication.ts), the restart of a worker that
 * dies (logged), and stop: every worker drains, then the primary exits.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { CliError } from '../../shared/errors.js';
import type { ExitCodeValue } from '../../shared/exit-codes.js';
import { RpcError } from '../../mgmt/protocol.js';
import type { SipdConfig } from '../config/load.js';
import type { BoundAddress } from '../config/listen.js';
import type { Logger } from '../log.js';
import type { LocationWrite } from '../usrloc/location-service.js';
import { MgmtServer } from '../mgmt/socket-server.js';
import { routeMarkSecret } from '../routing/route-secret.js';
import { WORKER_ENV, type FromWorker, type ToWorker } from './messages.js';
import { PrimaryMethods } from './primary-methods.js';
import { SharedUdpSockets, type UdpSteering } from './shared-udp.js';
import { TOKEN_BYTES } from './peer-channel.js';

/** A worker that has not answered a management call or a replicated change by then is skipped. */
const CALL_TIMEOUT_MS = 10_000;
const REPLICATION_TIMEOUT_MS = 2_000;
/** Pause before a crashed worker is forked again, doubled per crash in a row (at most 30 s). */
const RESTART_DELAY_MS = 250;

export interface WorkerSlot {
  index: number;
  /** Starts of this slot before the current one. */
  generation: number;
  worker?: Worker;
  pid: number;
  peerPort: number;
  ready: boolean;
  /** Crashes without a successful start in between (restart backoff). */
  crashes: number;
  startedAt: number;
}

interface PendingCall {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export class ClusterPrimary {
  readonly startedAt: number;
  readonly slots: WorkerSlot[];
  /** Workers restarted after a crash since start. */
  restarts = 0;
  private readonly token = randomBytes(TOKEN_BYTES);
  private _addresses: BoundAddress[] = [];
  private mgmt?: MgmtServer;
  private stopping?: Promise<void>;
  /** start() has succeeded: from now on a worker that exits is restarted. */
  private serving = false;
  private resolveStopped!: () => void;
  readonly stopped: Promise<void>;
  private nextCall = 1;
  private readonly calls = new Map<number, PendingCall>();
  private readonly methods: PrimaryMethods;
  /** The UDP listeners, bound here and served by every worker (shared-udp.ts). */
  private udp?: SharedUdpSockets;

  constructor(
    readonly config: SipdConfig,
    readonly log: Logger,
    readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.stopped = new Promise((r) => (this.resolveStopped = r));
    this.slots = Array.from({ length: config.workers }, (_, index) => ({
      index,
      generation: 0,
      pid: 0,
      peerPort: 0,
      ready: false,
      crashes: 0,
      startedAt: 0,
    }));
    this.methods = new PrimaryMethods(this);
  }

  get addresses(): readonly BoundAddress[] {
    return this._addresses;
  }

  get mgmtSocket(): string {
    return this.config.mgmt.socket;
  }

  /** How the workers read UDP (shared-udp.ts); undefined before start. */
  get udpSteering(): UdpSteering | undefined {
    return this.udp?.steering;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Forks every worker and waits until all serve; then opens the management socket. */
  async start(): Promise<void> {
    // Made once here: workers starting together would each write a different key.
    routeMarkSecret(this.config);
    if (this.config.db_url.startsWith('sqlite:') && this.config.usrloc.db_mode !== 0)
      this.log.warn(
        { workers: this.slots.length },
        'SQLite has one writer at a time: the workers wait for each other to commit registrations ' +
          '(a synchronous wait that stalls SIP); with several workers use MySQL/MariaDB or usrloc.db_mode = 0',
      );
    // Bound before any fork: a port in use fails the start here, with the listener named.
    this.udp = SharedUdpSockets.bind(this.config.listen, {
      workers: this.slots.length,
      steer: this.config.worker_steering === 'call-id',
    });
    if (this.udp.steeringError)
      this.log.warn(
        { reason: this.udp.steeringError },
        'UDP steering by Call-ID unavailable (the kernel refused it, or no batched UDP addon): the workers share each UDP socket and hand over what they do not own',
      );
    cluster.on('exit', (w, code, signal) => this.onExit(w, code, signal));
    try {
      const first = await Promise.all(this.slots.map((s) => this.fork(s)));
      this._addresses = first[0] ?? [];
      this.mgmt = new MgmtServer({
        path: this.config.mgmt.socket,
        mode: this.config.mgmt.mode,
        group: this.config.mgmt.group,
        registry: this.methods,
        log: this.log.child({ module: 'mgmt' }),
      });
      await this.mgmt.listen();
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.serving = true;
    this.log.info(
      {
        listen: this._addresses,
        socket: this.mgmtSocket,
        workers: this.slots.map((s) => s.pid),
        udp_steering: this.udp?.steering,
      },
      'sipd started',
    );
  }

  /** Forks a slot's worker; resolves with its bound addresses once it serves, rejects if it cannot start. */
  private fork(slot: WorkerSlot): Promise<BoundAddress[]> {
    // Each worker its own sockets (kernel steering): the stdio of the next fork only.
    if (this.udp) cluster.setupPrimary({ stdio: this.udp.stdio(slot.index) });
    const worker = cluster.fork({
      [WORKER_ENV.index]: String(slot.index),
      [WORKER_ENV.count]: String(this.slots.length),
      [WORKER_ENV.generation]: String(slot.generation),
      [WORKER_ENV.token]: this.token.toString('hex'),
      ...this.udp?.env(),
    });
    slot.worker = worker;
    slot.pid = worker.process.pid ?? 0;
    slot.peerPort = 0;
    slot.ready = false;
    slot.startedAt = this.now();
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new CliError(`sipd worker ${slot.index} exited while starting (code ${code})`, 1, 'FAILED'));
      worker.once('exit', onExit);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          worker.off('exit', onExit);
          slot.ready = true;
          slot.crashes = 0;
          resolve(m.addresses);
        } else if (m.type === 'start-failed') {
          worker.off('exit', onExit);
          reject(new CliError(m.message, m.exitCode as ExitCodeValue, m.code, m.actions));
        } else this.onMessage(slot, m);
      });
    });
  }

  private onMessage(slot: WorkerSlot, m: FromWorker): void {
    switch (m.type) {
      case 'peer-port':
        slot.peerPort = m.port;
        this.broadcast({ type: 'peers', ports: this.slots.map((s) => s.peerPort) });
        return;
      case 'rpc-result': {
        const call = this.calls.get(m.id);
        if (!call) return;
        this.calls.delete(m.id);
        clearTimeout(call.timer);
        if (m.error) {
          const data = (m.error.data ?? {}) as { reason?: string };
          call.reject(new RpcError(m.error.code, data.reason ?? m.error.message, data));
        } else call.resolve(m.result);
        return;
      }
      case 'ul':
        void this.replicate(slot, m.id, m);
        return;
      case 'ul-sync':
        void this.sync(slot);
        return;
      default:
        // ul-ack and ul-snapshot are answers to calls of ours (see call()).
        this.settleOwn(m);
    }
  }

  /** Sends a worker's committed location change to every other worker; tells it when all applied it. */
  private async replicate(from: WorkerSlot, id: number, m: { writes: LocationWrite[] }): Promise<void> {
    const others = this.slots.filter((s) => s !== from && s.worker?.isConnected());
    await Promise.all(
      others.map((s) =>
        this.request(s, (rid) => ({ type: 'ul', id: rid, writes: m.writes }), REPLICATION_TIMEOUT_MS).catch((err) =>
          this.log.warn({ err, worker: s.index }, 'location change not acknowledged by a worker'),
        ),
      ),
    );
    this.sendTo(from, { type: 'ul-done', id });
  }

  /** A worker starting with a memory-only location gets a running worker's copy. */
  private async sync(to: WorkerSlot): Promise<void> {
    const from = this.slots.find((s) => s !== to && s.ready && s.worker?.isConnected());
    if (!from) return;
    try {
      const snap = (await this.request(from, (id) => ({ type: 'ul-snapshot-request', id }), CALL_TIMEOUT_MS)) as {
        writes: LocationWrite[];
      };
      this.sendTo(to, { type: 'ul-sync-result', writes: snap.writes });
    } catch (err) {
      this.log.warn({ err, worker: to.index }, 'location copy for a restarted worker failed');
    }
  }

  private readonly own = new Map<number, PendingCall>();

  /** Sends a message expecting `ul-ack`/`ul-snapshot` with the same id back. */
  private request(slot: WorkerSlot, make: (id: number) => ToWorker, timeoutMs: number): Promise<unknown> {
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.own.delete(id);
        reject(new Error(`worker ${slot.index} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.own.set(id, { resolve, reject, timer });
      if (!this.sendTo(slot, make(id))) {
        clearTimeout(timer);
        this.own.delete(id);
        reject(new Error(`worker ${slot.index} is not connected`));
      }
    });
  }

  private settleOwn(m: FromWorker): void {
    if (m.type !== 'ul-ack' && m.type !== 'ul-snapshot') return;
    const p = this.own.get(m.id);
    if (!p) return;
    this.own.delete(m.id);
    clearTimeout(p.timer);
    p.resolve(m);
  }

  /** Calls a management method in one worker. */
  call(slot: WorkerSlot, method: string, params: unknown): Promise<unknown> {
    const id = this.nextCall++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new RpcError(-32000, `sipd worker ${slot.index} did not answer ${method} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.calls.set(id, { resolve, reject, timer });
      if (!this.sendTo(slot, { type: 'rpc', id, method, params })) {
        clearTimeout(timer);
        this.calls.delete(id);
        reject(new RpcError(-32000, `sipd worker ${slot.index} is restarting; try again`));
      }
    });
  }

  /** The workers serving now. */
  liveSlots(): WorkerSlot[] {
    return this.slots.filter((s) => s.ready && s.worker?.isConnected());
  }

  private sendTo(slot: WorkerSlot, m: ToWorker): boolean {
    const w = slot.worker;
    if (!w || !w.isConnected()) return false;
    w.send(m);
    return true;
  }

  private broadcast(m: ToWorker): void {
    for (const s of this.slots) this.sendTo(s, m);
  }

  /** A worker ended: expected during stop, else a crash: logged, and the slot forked again. */
  private onExit(w: Worker, code: number | null, signal: string | null): void {
    const slot = this.slots.find((s) => s.worker === w);
    if (!slot) return;
    slot.ready = false;
    slot.peerPort = 0;
    slot.worker = undefined;
    if (this.stopping) return;
    // Nobody must hand messages to it meanwhile: they are handled where they land.
    this.broadcast({ type: 'peers', ports: this.slots.map((s) => s.peerPort) });
    // A worker failing during start fails the start (start() stops the others).
    if (!this.serving) return;
    slot.crashes++;
    this.restarts++;
    const delay = Math.min(RESTART_DELAY_MS * 2 ** (slot.crashes - 1), 30_000);
    this.log.error(
      { worker: slot.index, worker_pid: slot.pid, code, signal, restart_in_ms: delay },
      'sipd worker exited unexpectedly; restarting it',
    );
    setTimeout(() => {
      if (this.stopping) return;
      slot.generation++;
      this.fork(slot).then(
        () => this.log.info({ worker: slot.index, worker_pid: slot.pid }, 'sipd worker restarted'),
        (err) => this.log.error({ err, worker: slot.index }, 'sipd worker failed to restart'),
      );
    }, delay).unref();
  }

  /** Forwards SIGHUP's work (log reopen, certificates, route reload) to every worker. */
  hup(): void {
    this.broadcast({ type: 'hup' });
  }

  /** Graceful stop: every worker drains (timers.drain_ms) and exits; then the management socket closes. */
  stop(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  private async runStop(): Promise<void> {
    this.log.info('sipd stopping: workers drain');
    const exits = this.slots
      .filter((s) => s.worker && !s.worker.isDead())
      .map((s) => {
        const w = s.worker!;
        return new Promise<void>((resolve) => {
          // A worker that has not exited well after its drain deadline is killed.
          const kill = setTimeout(() => w.process.kill('SIGKILL'), this.config.timers.drain_ms + 10_000);
          w.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          if (w.isConnected()) w.send({ type: 'stop' } satisfies ToWorker);
          else w.process.kill('SIGTERM');
        });
      });
    await Promise.all(exits);
    for (const c of this.calls.values()) clearTimeout(c.timer);
    for (const c of this.own.values()) clearTimeout(c.timer);
    await this.mgmt?.close();
    this.udp?.close();
    this.log.info('sipd stopped');
    this.resolveStopped();
  }
}
