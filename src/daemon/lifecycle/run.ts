/**
 * `sipd run`: the daemon process itself, in the foreground. Loads the config, creates the run and
 * data dirs, takes the pid file, starts the server, then waits for SIGTERM/SIGINT (graceful stop)
 * or core.shutdown; SIGHUP reopens the log file and reloads the route (route.reload). These signal handlers exist only here, never in
 * the server library.
 *
 * Started by `sipd start`, the process has an IPC channel to its parent: it sends one
 * ChildMessage (src/mgmt/start-handshake.ts: ready, or the start-up error) and disconnects.
 */
import { mkdirSync } from 'node:fs';
import { CliError, actionsOf, errorCodeOf, exitCodeOf } from '../../shared/errors.js';
import type { ExitCodeValue } from '../../shared/exit-codes.js';
import { loadConfig, redactDbUrl, type LoadConfigOptions, type SipdConfig } from '../config/load.js';
import { formatListen } from '../config/listen.js';
import type { ChildMessage } from '../../mgmt/start-handshake.js';
import { createLogger, type LogHandle } from '../log.js';
import type { SipdModule } from '../module.js';
import { builtinModules } from '../modules.js';
import { SipdServer } from '../server.js';
import type { TransportFactory } from '../transport.js';
import { acquirePidFile, releasePidFile } from '../../shared/pid-file.js';
import type { BoundAddress } from '../config/listen.js';
import { ClusterPrimary } from '../cluster/primary.js';
import { isWorkerProcess, runWorker } from '../cluster/worker.js';

export interface RunOptions extends LoadConfigOptions {
  /** Log to this file instead of stderr (`sipd start` passes the run dir's log file). */
  logFile?: string;
  /** Modules to load; default builtinModules(config). */
  modules?: (config: SipdConfig) => SipdModule[];
  /** The SIP transport; default the core's TransportLayer (CoreSipTransport). */
  transport?: TransportFactory;
}

export interface RunResult {
  pid: number;
  listen: string[];
  /** What stopped it: a signal name, or "rpc" for core.shutdown. */
  stoppedBy: string;
  uptimeMs: number;
}

const isRoot = () => process.getuid?.() === 0;

/** Runs sipd until it is stopped. Rejects with a CliError (exit code inside) if it cannot start. */
export async function runDaemon(opts: RunOptions = {}): Promise<RunResult> {
  // A worker of a multi-process sipd runs the same command line (node:cluster forks it so).
  if (isWorkerProcess()) return runWorker(opts);
  let log: LogHandle | undefined;
  let pidFile: string | undefined;
  try {
    const config = loadConfig(opts);
    const dirMode = isRoot() ? 0o750 : 0o700;
    mkdirSync(config.run_dir, { recursive: true, mode: dirMode });
    mkdirSync(config.data_dir, { recursive: true, mode: dirMode });
    const replaced = acquirePidFile(config.pid_file);
    pidFile = config.pid_file;
    log = createLogger({ level: config.logging.level, file: opts.logFile, format: config.logging.format });
    if (replaced?.kind === 'stale') log.logger.warn({ reason: replaced.reason }, 'replaced a stale pid file');
    log.logger.info(
      { config_file: config.config_file, db_url: redactDbUrl(config.db_url), domains: config.domains },
      'sipd starting',
    );
    const handle = log;
    const daemon =
      config.workers > 1
        ? primaryDaemon(new ClusterPrimary(config, log.logger))
        : serverDaemon(
            new SipdServer({
              config,
              log: log.logger,
              modules: (opts.modules ?? builtinModules)(config),
              transport: opts.transport,
            }),
            log.logger,
          );
    return await serve(daemon, handle, config.pid_file);
  } catch (e) {
    log?.logger.fatal({ err: e }, 'sipd failed to start');
    log?.flush();
    if (pidFile) releasePidFile(pidFile);
    await tellParent({
      type: 'error',
      message: (e as Error).message,
      code: errorCodeOf(e),
      exitCode: exitCodeOf(e),
      actions: actionsOf(e),
    });
    throw e instanceof CliError
      ? e
      : new CliError((e as Error).message, exitCodeOf(e) as ExitCodeValue, errorCodeOf(e), actionsOf(e));
  }
}

/** What `sipd run` serves: one SipdServer, or the primary of several workers. */
interface Daemon {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
  readonly addresses: readonly BoundAddress[];
  readonly mgmtSocket: string;
  readonly startedAt: number;
  now(): number;
  /** SIGHUP after the log file was reopened: certificates, route. */
  hup(): void;
}

function serverDaemon(server: SipdServer, logger: LogHandle['logger']): Daemon {
  return {
    start: () => server.start(),
    stop: () => server.stop(),
    stopped: server.stopped,
    get addresses() {
      return server.addresses;
    },
    mgmtSocket: server.mgmtSocket,
    get startedAt() {
      return server.startedAt;
    },
    now: () => server.now(),
    hup: () => {
      reloadCertificates(server, logger);
      // The same reload as `sipctl reload`; a route that fails to load is logged by it and the old one stays.
      if (server.rpc.get('route.reload')) void server.rpc.call('route.reload', undefined).catch(() => {});
    },
  };
}

function primaryDaemon(primary: ClusterPrimary): Daemon {
  return {
    start: () => primary.start(),
    stop: () => primary.stop(),
    stopped: primary.stopped,
    get addresses() {
      return primary.addresses;
    },
    mgmtSocket: primary.mgmtSocket,
    startedAt: primary.startedAt,
    now: () => primary.now(),
    // Every worker reopens the log file too, and reloads its certificates and route.
    hup: () => primary.hup(),
  };
}

async function serve(server: Daemon, log: LogHandle, pidFile: string): Promise<RunResult> {
  let stoppedBy = 'rpc';
  let signals = 0;
  const onStop = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      log.logger.warn({ signal: sig }, 'second stop signal: exiting without waiting for the drain');
      log.flush();
      releasePidFile(pidFile);
      process.exit(1);
    }
    stoppedBy = sig;
    log.logger.info({ signal: sig }, 'stop requested');
    void server.stop();
  };
  const onHup = () => {
    log.reopen();
    log.logger.info({ file: log.target }, 'SIGHUP: log file reopened');
    server.hup();
  };
  const onFatal = (err: unknown) => {
    log.logger.fatal({ err }, 'uncaught exception: sipd exits');
    log.flush();
    releasePidFile(pidFile);
    process.exit(10);
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  process.on('uncaughtException', onFatal);
  try {
    await server.start();
    const listen = server.addresses.map(formatListen);
    await tellParent({
      type: 'ready',
      pid: process.pid,
      listen,
      addresses: [...server.addresses],
      socket: server.mgmtSocket,
      pidFile,
    });
    await server.stopped;
    return { pid: process.pid, listen, stoppedBy, uptimeMs: server.now() - server.startedAt };
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
    process.off('uncaughtException', onFatal);
    releasePidFile(pidFile);
    log.flush();
  }
}

/** Sends one message to a `sipd start` parent (if any) and closes the channel. */
function tellParent(msg: ChildMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send || !process.connected) return Promise.resolve();
  return new Promise((resolve) => {
    send(msg, undefined, {}, () => {
      if (process.connected) process.disconnect();
      resolve();
    });
  });
}

/** SIGHUP: new TLS certificates for new handshakes; established connections keep theirs. */
function reloadCertificates(
  server: SipdServer,
  logger: { info(o: object, m: string): void; error(o: object, m: string): void },
): void {
  try {
    const n = server.sipTransport?.reloadCertificates?.() ?? 0;
    if (n > 0) logger.info({ listeners: n }, 'SIGHUP: TLS certificates reloaded');
  } catch (err) {
    logger.error({ err }, 'SIGHUP: TLS certificates not reloaded (the old ones stay in use)');
  }
}
