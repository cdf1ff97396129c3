/**
 * The management methods of a multi-process sipd's primary: one socket, one server to sipctl.
 * The primary answers what is about the whole process group itself (core.ps lists the workers,
 * core.shutdown stops them all, stats are summed) and passes everything else to the workers:
 *
 * - methods that read or change the location (`ul.*`) and the registry's own (`system.*`) go to
 *   one worker: every worker holds the same location, and a change made in one is replicated to
 *   the others before it is answered (location-replication.ts);
 * - every other method (cache and route reloads, `security.*`, `rtpengine.*`, log level...) goes
 *   to every worker, since each holds its own copy of what it changes; the answer is the first
 *   worker's (security.bans: every worker's bans), and the call fails if any worker's fails.
 */
import { MethodRegistry, type MethodContext } from '../mgmt/registry.js';
import { uptimeResult, versionResult } from '../mgmt/core-methods.js';
import { CORE_MEMORY_HELP, memoryRow, type MemoryRow } from '../mgmt/memory-methods.js';
import { RpcError, RpcErrorCode, type RpcParams } from '../../mgmt/protocol.js';
import type { ConnectionRow, ListenerRow } from '../../mgmt/results.js';
import type { ClusterPrimary, WorkerSlot } from './primary.js';

/** Answers of every worker made one: what is per worker (bans) is shown for all of them. */
const MERGE: Record<string, (results: unknown[]) => unknown> = {
  // Each worker bans what it counted; an address banned in several shows once, until the latest end.
  'security.bans': (results) => {
    const until = new Map<string, number>();
    for (const r of results as Array<{ bans: Array<{ address: string; until: number }> }>)
      for (const b of r.bans) until.set(b.address, Math.max(until.get(b.address) ?? 0, b.until));
    return { bans: [...until].map(([address, u]) => ({ address, until: u })) };
  },
  // Each worker counts what it read and wrote on the shared listeners: one row per listener, summed.
  'core.listeners': (results) => sumListeners(results as ListenerRow[][]),
  // A connection lives in the worker that accepted or opened it: every worker's, ordered by id.
  'core.connections': (results) => (results as ConnectionRow[][]).flat().sort((a, b) => a.id - b.id),
  'security.unban': (results) => {
    const all = results as Array<{ address: string; unbanned: boolean }>;
    return { address: all[0]?.address, unbanned: all.some((r) => r.unbanned) };
  },
};

/** The listeners' rows of every worker as one row per listener, counters summed. */
function sumListeners(perWorker: ListenerRow[][]): ListenerRow[] {
  const rows = new Map<string, ListenerRow>();
  for (const list of perWorker)
    for (const r of list) {
      const key = `${r.proto} ${r.address} ${r.port}`;
      const sum = rows.get(key);
      if (!sum) {
        rows.set(key, { ...r });
        continue;
      }
      for (const k of LISTENER_COUNTERS) sum[k] += r[k];
    }
  return [...rows.values()];
}

const LISTENER_COUNTERS = [
  'connections',
  'opened',
  'closed',
  'handshake_failures',
  'refused',
  'messages_in',
  'messages_out',
] as const satisfies ReadonlyArray<keyof ListenerRow>;

/** Gauges every worker reports the same value of (replicated state): not summed. */
const SHARED_GAUGES = new Set(['usrloc.registered_users', 'usrloc.registered_contacts']);

export class PrimaryMethods extends MethodRegistry {
  constructor(private readonly primary: ClusterPrimary) {
    super();
    this.registerOwn();
  }

  override async call(method: string, params: RpcParams | undefined, ctx?: MethodContext): Promise<unknown> {
    if (this.get(method)) return super.call(method, params, ctx);
    if (method.startsWith('ul.') || method.startsWith('system.')) return this.one(method, params);
    const results = await this.all(method, params);
    return MERGE[method]?.(results) ?? results[0];
  }

  /** One serving worker (the lowest index). */
  private one(method: string, params: unknown): Promise<unknown> {
    const slot = this.primary.liveSlots()[0];
    if (!slot) throw new RpcError(RpcErrorCode.FAILED, 'no sipd worker is serving (restarting?)');
    return this.primary.call(slot, method, params);
  }

  /** Every serving worker; rejects with the first error. */
  private async all(method: string, params: unknown): Promise<unknown[]> {
    const slots = this.primary.liveSlots();
    if (slots.length === 0) throw new RpcError(RpcErrorCode.FAILED, 'no sipd worker is serving (restarting?)');
    return Promise.all(slots.map((s: WorkerSlot) => this.primary.call(s, method, params)));
  }

  private registerOwn(): void {
    const p = this.primary;
    this.register({
      name: 'core.ps',
      module: 'core',
      help: 'Processes of sipd, as Kamailio core.psx rows [{IDX, PID, DSC}]: the primary, then each worker.',
      handler: () => [
        { IDX: 0, PID: process.pid, DSC: `sipd primary (management socket, ${p.slots.length} workers)` },
        ...p.slots.map((s) => ({
          IDX: s.index + 1,
          PID: s.pid,
          DSC: `sipd worker ${s.index} (sip)${s.ready ? '' : ' restarting'}`,
        })),
      ],
    });
    this.register({
      name: 'core.memory',
      module: 'core',
      help: CORE_MEMORY_HELP,
      params: [{ name: 'gc', type: 'boolean', optional: true }],
      // The primary's row, then each worker's (its own core.memory answers one row), numbered as in core.ps.
      handler: async (params) => {
        const slots = this.primary.liveSlots();
        const rows = await Promise.all(slots.map((s) => this.primary.call(s, 'core.memory', params)));
        return [
          { IDX: 0, ...memoryRow(params.gc === true) },
          ...rows.map((r, i) => ({ ...(r as MemoryRow[])[0]!, IDX: slots[i]!.index + 1 })),
        ];
      },
    });
    this.register({
      name: 'core.shutdown',
      module: 'core',
      help: 'Stops sipd gracefully (every worker drains), after answering {stopping: true}.',
      handler: (_params, ctx) => {
        ctx.afterReply(() => void p.stop());
        return { stopping: true, pid: process.pid };
      },
    });
    this.register({
      name: 'core.version',
      module: 'core',
      help: 'Version of sipd: {version (a one-line description), release, node, platform, arch}.',
      handler: versionResult,
    });
    this.register({
      name: 'core.uptime',
      module: 'core',
      help: 'Start time and uptime of the primary: now, up_since (ctime), uptime (s), now_ms, started_ms, uptime_ms.',
      handler: () => uptimeResult(p.now(), p.startedAt),
    });
    this.register({
      name: 'core.info',
      module: 'core',
      help: 'What status shows in one call (from a worker), with the primary pid, uptime, the number of workers and how they read UDP (udp_steering: call-id or shared).',
      handler: async () => {
        const info = (await this.one('core.info', undefined)) as Record<string, unknown>;
        return {
          ...info,
          pid: process.pid,
          state: p.isStopping ? 'stopping' : 'running',
          started_ms: p.startedAt,
          uptime: Math.floor((p.now() - p.startedAt) / 1000),
          workers: p.slots.length,
          udp_steering: p.udpSteering,
        };
      },
    });
    this.register({
      name: 'stats.fetch',
      module: 'core',
      help: 'Statistics of all workers summed (the location gauges: one worker’s, they hold the same). Selectors as in one sipd.',
      params: [{ name: 'names', type: 'string', rest: true }],
      handler: async (params) => {
        const out = this.sumStats(await this.all('stats.fetch', [...((params.names as string[]) ?? [])]));
        // Bans are per worker: the sources banned now, each once (not once per worker banning it).
        if ('security.banned' in out) {
          const bans = (await this.call('security.bans', undefined)) as { bans: unknown[] };
          out['security.banned'] = bans.bans.length;
        }
        return out;
      },
    });
    this.register({
      name: 'system.listMethods',
      module: 'core',
      help: 'Names of every RPC method, sorted.',
      handler: () => this.one('system.listMethods', undefined),
    });
  }

  private sumStats(results: unknown[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of results as Array<Record<string, number>>) {
      for (const [k, v] of Object.entries(r)) {
        if (SHARED_GAUGES.has(k)) out[k] ??= v;
        else out[k] = (out[k] ?? 0) + v;
      }
    }
    if ('cluster.workers' in out) out['cluster.workers'] = this.primary.liveSlots().length;
    if ('cluster.restarts' in out) out['cluster.restarts'] = this.primary.restarts;
    return out;
  }
}
