/**
 * One worker process of a multi-process sipd (`workers = N`), forked by the primary (primary.ts)
 * with the same command line: it builds the same SipdServer as a single-process sipd, on the
 * shared listeners (WorkerSipTransport), without a management socket: the primary calls its
 * methods over IPC. It has no pid file and no signal handlers of its own beyond SIGTERM/SIGINT
 * (a stop of the whole process group drains it like the primary's 'stop' does).
 */
import { createHmac } from 'node:crypto';
import { RpcError } from '../../mgmt/protocol.js';
import { actionsOf, errorCodeOf, exitCodeOf } from '../../shared/errors.js';
import { loadConfig, type LoadConfigOptions } from '../config/load.js';
import { createLogger } from '../log.js';
import type { SipdModule } from '../module.js';
import { builtinModules } from '../modules.js';
import { SipdServer } from '../server.js';
import type { LocationService, LocationWrite } from '../usrloc/location-service.js';
import type { ClusterMember } from './member.js';
import { WORKER_ENV, type FromWorker, type ToWorker } from './messages.js';
import { PeerReplication } from './peer-replication.js';
import { WorkerSipTransport, type WorkerIdentity } from './worker-transport.js';

export interface WorkerRunOptions extends LoadConfigOptions {
  logFile?: string;
  modules?: (config: ReturnType<typeof loadConfig>) => SipdModule[];
}

/** Whether this process is a sipd worker (forked by a primary). */
export function isWorkerProcess(): boolean {
  return process.env[WORKER_ENV.index] !== undefined && typeof process.send === 'function';
}

function identityFromEnv(): WorkerIdentity {
  const num = (k: string) => Number(process.env[k]);
  const token = Buffer.from(process.env[WORKER_ENV.token] ?? '', 'hex');
  // Not needed any more, and not to be inherited by anything this process might spawn.
  delete process.env[WORKER_ENV.token];
  return { index: num(WORKER_ENV.index), count: num(WORKER_ENV.count), generation: num(WORKER_ENV.generation), token };
}

const send = (m: FromWorker): void => {
  if (process.connected) process.send!(m);
};

/** Runs the worker until the primary stops it (or its channel closes); then the process exits. */
export async function runWorker(opts: WorkerRunOptions): Promise<never> {
  const id = identityFromEnv();
  const member = new Member(id);
  process.on('message', (m: ToWorker) => member.onMessage(m));
  let server: SipdServer | undefined;
  try {
    const config = loadConfig(opts);
    const log = createLogger({ level: config.logging.level, file: opts.logFile, format: config.logging.format });
    const logger = log.logger.child({ worker: id.index });
    let transport: WorkerSipTransport | undefined;
    server = new SipdServer({
      config,
      log: logger,
      modules: (opts.modules ?? builtinModules)(config),
      cluster: member,
      transport: (ctx) =>
        (transport = new WorkerSipTransport(ctx, id, (port) => {
          member.attachPeer(transport!);
          send({ type: 'peer-port', port });
        })),
    });
    member.bind(server, () => transport, log);
    // The primary's SIGTERM/SIGINT handling stops workers by message; a signal to the whole
    // group (Ctrl-C, systemd) reaches workers too and means the same: drain and exit.
    const stop = () => void server?.stop();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('disconnect', stop);
    // As in a single sipd (run.ts): logged, then exit; the primary starts the worker again.
    process.on('uncaughtException', (err) => {
      logger.fatal({ err }, 'uncaught exception: sipd worker exits');
      log.flush();
      process.exit(10);
    });
    await server.start();
    send({ type: 'ready', addresses: [...server.addresses] });
    await server.stopped;
    log.flush();
    process.exit(0);
  } catch (e) {
    send({
      type: 'start-failed',
      message: (e as Error).message,
      code: errorCodeOf(e),
      exitCode: exitCodeOf(e),
      actions: actionsOf(e),
    });
    process.exitCode = exitCodeOf(e);
    // Let the message go out before the channel closes.
    setTimeout(() => process.exit(exitCodeOf(e)), 100);
    return new Promise<never>(() => {});
  }
}

/** The worker's side of the cluster: IPC from the primary, location replication. */
class Member implements ClusterMember {
  readonly index: number;
  readonly count: number;
  private server?: SipdServer;
  private transport?: () => WorkerSipTransport | undefined;
  private log?: ReturnType<typeof createLogger>;
  private location?: LocationService;
  /** Changes replicated before the location was loaded (a worker starting up). */
  private early: LocationWrite[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  /** Replication on the peer channel, once this worker listens (peer-replication.ts). */
  private peer?: PeerReplication;

  readonly nonceSecret: Buffer;

  constructor(id: WorkerIdentity) {
    this.index = id.index;
    this.count = id.count;
    // A key of its own, not the token itself: the token also admits frames on the peer channel.
    this.nonceSecret = createHmac('sha256', id.token).update('sipkit digest nonce key').digest();
  }

  bind(server: SipdServer, transport: () => WorkerSipTransport | undefined, log: ReturnType<typeof createLogger>) {
    this.server = server;
    this.transport = transport;
    this.log = log;
  }

  /** The transport listens: location changes can go to the other workers on its peer channel. */
  attachPeer(transport: WorkerSipTransport): void {
    const link = transport.controlLink();
    if (!link || this.peer) return;
    const peer = new PeerReplication(
      this.index,
      this.count,
      link,
      (writes) => this.applyReplicated(writes),
      (worker) => this.log?.logger.warn({ worker }, 'location change not acknowledged by a worker'),
      transport.replicationStats,
    );
    transport.onControl = (payload) => peer.receive(payload);
    this.peer = peer;
  }

  /**
   * Straight to the other workers on the peer channel; through the primary (IPC) while one of
   * them is starting (its peer port not known yet), so that it still gets every change.
   */
  replicate(writes: readonly LocationWrite[]): Promise<void> {
    if (this.count <= 1) return Promise.resolve();
    if (this.peer?.reachesAll()) return this.peer.replicate(writes);
    if (!process.connected) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      send({ type: 'ul', id, writes: [...writes] });
    });
  }

  attachLocation(location: LocationService): void {
    this.location = location;
    if (this.early.length > 0) location.applyReplicated(this.early.splice(0));
    // Memory only: nothing to load from; take the location from a running worker.
    if (this.server?.config.usrloc.db_mode === 0) send({ type: 'ul-sync' });
  }

  onMessage(m: ToWorker): void {
    switch (m.type) {
      case 'peers':
        this.transport?.()?.setPeerPorts(m.ports);
        this.peer?.peersChanged();
        return;
      case 'rpc':
        void this.rpc(m.id, m.method, m.params);
        return;
      case 'ul':
        this.applyReplicated(m.writes);
        send({ type: 'ul-ack', id: m.id });
        return;
      case 'ul-done':
        this.waiting.get(m.id)?.();
        this.waiting.delete(m.id);
        return;
      case 'ul-snapshot-request':
        send({ type: 'ul-snapshot', id: m.id, writes: this.location?.snapshotWrites() ?? [] });
        return;
      case 'ul-sync-result':
        this.applyReplicated(m.writes);
        return;
      case 'stop':
        // Stopped before it had a server (still loading its config): nothing to drain.
        if (this.server) void this.server.stop();
        else process.exit(0);
        return;
      case 'hup':
        this.hup();
        return;
    }
  }

  /** Another worker's change; kept until the location is loaded when it comes early. */
  private applyReplicated(writes: LocationWrite[]): void {
    if (this.location) this.location.applyReplicated(writes);
    else this.early.push(...writes);
  }

  private async rpc(id: number, method: string, params: unknown): Promise<void> {
    const server = this.server;
    try {
      if (!server) throw new RpcError(-32000, 'worker not started');
      const result = await server.rpc.call(method, params as never);
      send({ type: 'rpc-result', id, result: result === undefined ? null : result });
    } catch (e) {
      const err =
        e instanceof RpcError
          ? e.toJSON()
          : { code: -32603, message: 'Internal error', data: { reason: (e as Error)?.message ?? String(e) } };
      send({ type: 'rpc-result', id, error: err });
    }
  }

  /** SIGHUP of the primary: reopen the log, new TLS certificates, reload the route. */
  private hup(): void {
    const log = this.log;
    const server = this.server;
    if (!log || !server) return;
    log.reopen();
    try {
      server.sipTransport?.reloadCertificates?.();
    } catch (err) {
      log.logger.error({ err }, 'SIGHUP: TLS certificates not reloaded (the old ones stay in use)');
    }
    if (server.rpc.get('route.reload')) void server.rpc.call('route.reload', undefined).catch(() => {});
  }
}
