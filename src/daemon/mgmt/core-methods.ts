/**
 * The RPC methods sipd always has: core.*, system.*, stats.*. Result shapes follow Kamailio's
 * jsonrpcs where one exists (core.uptime's now/up_since/uptime; core.ps as Kamailio's core.psx
 * rows) with numeric fields added, so scripts need no date parsing.
 */
import { formatListen } from '../config/listen.js';
import { LOG_LEVELS, type LogLevel } from '../config/defaults.js';
import type { SipdServer } from '../server.js';
import { CORE_MEMORY_HELP, memoryRow } from './memory-methods.js';
import { registerNetMethods } from './net-methods.js';
import { UnknownStatError } from '../stats.js';
import { VERSION, versionLine } from '../version.js';
import { RpcError, RpcErrorCode, rpcInvalidParams } from '../../mgmt/protocol.js';
import type { CoreInfoResult, UptimeResult } from '../../mgmt/results.js';

/** core.version's answer (one sipd process, or the primary of workers). */
export function versionResult() {
  return {
    version: versionLine(),
    release: VERSION,
    node: process.version,
    platform: process.platform,
    arch: process.arch,
  };
}

/** core.uptime's answer: Kamailio's now, up_since (ctime) and uptime (s), plus the same in ms. */
export function uptimeResult(now: number, started: number): UptimeResult {
  return {
    now: ctime(now),
    up_since: ctime(started),
    uptime: Math.floor((now - started) / 1000),
    now_ms: now,
    started_ms: started,
    uptime_ms: now - started,
  };
}

/** `Mon Mar  4 10:00:00 2024`, the C ctime() format Kamailio prints (local time). */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const time = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  return `${day} ${mon} ${String(d.getDate()).padStart(2, ' ')} ${time} ${d.getFullYear()}`;
}

export function registerCoreMethods(server: SipdServer): void {
  registerInfoMethods(server);
  registerControlMethods(server);
  registerSystemMethods(server);
  registerStatsMethods(server);
  registerNetMethods(server);
}

/** core.version, core.uptime, core.ps, core.memory, core.sockets_list, core.info: what sipd is and where. */
function registerInfoMethods(server: SipdServer): void {
  const rpc = server.rpc;
  rpc.register({
    name: 'core.version',
    module: 'core',
    help: 'Version of sipd: {version (a one-line description), release, node, platform, arch}.',
    handler: versionResult,
  });

  rpc.register({
    name: 'core.uptime',
    module: 'core',
    help: 'Start time and uptime: Kamailio fields now, up_since (ctime) and uptime (s), plus now_ms, started_ms, uptime_ms.',
    handler: () => uptimeResult(server.now(), server.startedAt),
  });

  rpc.register({
    name: 'core.ps',
    module: 'core',
    help: 'Processes of sipd, as Kamailio core.psx rows [{IDX, PID, DSC}]; sipd is one process.',
    handler: () => [
      { IDX: 0, PID: process.pid, DSC: `sipd main process (${server.moduleNames().join(', ') || 'core'})` },
    ],
  });

  rpc.register({
    name: 'core.memory',
    module: 'core',
    help: CORE_MEMORY_HELP,
    params: [{ name: 'gc', type: 'boolean', optional: true }],
    handler: (p) => [{ IDX: 0, ...memoryRow(p.gc === true) }],
  });

  rpc.register({
    name: 'core.sockets_list',
    module: 'core',
    help: 'Bound SIP listeners: [{proto, address, port, family, listen}] with the real ports.',
    handler: () =>
      server.addresses.map((a) => ({
        proto: a.proto,
        address: a.host,
        port: a.port,
        family: a.family,
        listen: formatListen(a),
      })),
  });

  rpc.register({
    name: 'core.info',
    module: 'core',
    help: 'What status shows in one call: version, pid, state, uptime, listen addresses, domains, modules, paths.',
    handler: (): CoreInfoResult => ({
      version: VERSION,
      pid: process.pid,
      state: server.state,
      started_ms: server.startedAt,
      uptime: Math.floor((server.now() - server.startedAt) / 1000),
      listen: server.addresses.map(formatListen),
      domains: server.config.domains,
      modules: server.moduleNames(),
      config_file: server.config.config_file,
      run_dir: server.config.run_dir,
      data_dir: server.config.data_dir,
      socket: server.mgmtSocket,
    }),
  });
}

/** core.shutdown and core.log_level: what changes sipd. */
function registerControlMethods(server: SipdServer): void {
  const rpc = server.rpc;
  rpc.register({
    name: 'core.shutdown',
    module: 'core',
    help: 'Stops sipd gracefully (as SIGTERM does), after answering {stopping: true}.',
    handler: (_p, ctx) => {
      ctx.afterReply(() => void server.stop());
      return { stopping: true, pid: process.pid };
    },
  });

  rpc.register({
    name: 'core.log_level',
    module: 'core',
    help: `Gets, or sets with a level (${LOG_LEVELS.join('|')}), the log level; returns {level, previous}.`,
    params: [{ name: 'level', type: 'string', optional: true }],
    handler: (p) => {
      const previous = server.log.level;
      if (p.level !== undefined) {
        if (!(LOG_LEVELS as readonly string[]).includes(p.level as string)) {
          throw rpcInvalidParams(`unknown level '${p.level}' (levels: ${LOG_LEVELS.join(', ')})`);
        }
        server.log.level = p.level as LogLevel;
      }
      return { level: server.log.level, previous };
    },
  });
}

/** system.listMethods and system.methodHelp: the registry describes itself. */
function registerSystemMethods(server: SipdServer): void {
  const rpc = server.rpc;
  rpc.register({
    name: 'system.listMethods',
    module: 'core',
    help: 'Names of every RPC method, sorted.',
    handler: () => rpc.list(),
  });

  rpc.register({
    name: 'system.methodHelp',
    module: 'core',
    help: 'Usage and description of one method.',
    params: [{ name: 'method', type: 'string' }],
    handler: (p) => rpc.usage(p.method as string),
  });
}

/** stats.fetch and stats.reset; an unknown statistic name is NOT_FOUND. */
function registerStatsMethods(server: SipdServer): void {
  const rpc = server.rpc;
  const statNames = (v: unknown) => v as string[];
  const stats = (fn: () => unknown) => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof UnknownStatError) throw new RpcError(RpcErrorCode.NOT_FOUND, e.message);
      throw e;
    }
  };

  rpc.register({
    name: 'stats.fetch',
    module: 'core',
    help: 'Statistics as {"group.name": number}, sorted. Names: none or "all", "group:" for a group, "group.name" for one.',
    params: [{ name: 'names', type: 'string', rest: true }],
    handler: (p) => stats(() => server.stats.fetch(statNames(p.names))),
  });

  rpc.register({
    name: 'stats.reset',
    module: 'core',
    help: 'Zeroes counters (all, a "group:", or names); gauges are state and stay. Returns {reset: [names]}.',
    params: [{ name: 'names', type: 'string', rest: true }],
    handler: (p) => stats(() => ({ reset: server.stats.reset(statNames(p.names)) })),
  });
}
