/**
 * Runtime information from a running sipd (kamctl ps, uptime, stats) and the raw management
 * call (kamctl rpc), with kamctl's parameter typing: a parameter that reads as a number is sent
 * as a number, `s:` forces a string and `i:` an integer; --params-json passes any JSON array or
 * object as is.
 */
import { usageError } from '../shared/errors.js';
import type { ConnectionRow, ListenerRow, UptimeResult } from '../mgmt/results.js';
import type { RpcParams } from '../mgmt/protocol.js';
import { rpc, type CtlContext } from './context.js';

export interface ProcessRow {
  idx: number;
  pid: number;
  description: string;
}

export interface PsResult {
  processes: ProcessRow[];
  /** Each SIP listener with its connection counts (core.listeners). */
  listeners: ListenerRow[];
  /** The open connections (core.connections), with `connections: true` only. */
  connections?: ConnectionRow[];
}

/** kamctl ps (core.psx): sipd's processes, its listeners and (asked for) its open connections. */
export async function processes(ctx: CtlContext, opts: { connections?: boolean } = {}): Promise<PsResult> {
  const rows = await rpc<Array<{ IDX: number; PID: number; DSC: string }>>(ctx, 'core.ps');
  const listeners = await rpc<ListenerRow[]>(ctx, 'core.listeners');
  return {
    processes: rows.map((r) => ({ idx: r.IDX, pid: r.PID, description: r.DSC })),
    listeners,
    ...(opts.connections ? { connections: await rpc<ConnectionRow[]>(ctx, 'core.connections') } : {}),
  };
}

/** kamctl uptime (core.uptime). */
export function uptime(ctx: CtlContext): Promise<UptimeResult> {
  return rpc<UptimeResult>(ctx, 'core.uptime');
}

/**
 * kamctl stats [<group>]: every statistic, or the selected ones: a group (`core`, `core:`), a
 * name (`core.rcv_requests`), or a bare statistic name. An unknown one is "not found" (exit 3).
 */
export async function statistics(
  ctx: CtlContext,
  selectors: string[] = [],
): Promise<{ stats: Record<string, number> }> {
  return { stats: await rpc<Record<string, number>>(ctx, 'stats.fetch', selectors) };
}

/** kamctl rpc's typing of one command-line parameter. */
export function typeParam(p: string): string | number {
  if (p.startsWith('s:')) return p.slice(2);
  if (p.startsWith('i:')) {
    const rest = p.slice(2);
    if (!/^[-+]?\d+$/.test(rest)) throw usageError(`parameter "${p}": "i:" needs an integer`);
    return Number(rest);
  }
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(p) && Number.isFinite(Number(p))) return Number(p);
  return p;
}

/** Parameters from the command line: positional (typed as kamctl does) or one JSON document. */
export function rpcParams(positional: string[], json?: string): RpcParams | undefined {
  if (json !== undefined) {
    if (positional.length > 0) throw usageError('give the parameters either on the command line or with --params-json');
    let v: unknown;
    try {
      v = JSON.parse(json);
    } catch (e) {
      throw usageError(`--params-json is not JSON: ${(e as Error).message}`);
    }
    if (v === null || typeof v !== 'object') {
      throw usageError('--params-json must be a JSON array (positional) or object (named parameters)');
    }
    return v as RpcParams;
  }
  return positional.length > 0 ? positional.map(typeParam) : undefined;
}

const METHOD = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

/** kamctl rpc <method> [params...]: the raw result. sipd's errors keep their exit codes. */
export async function rawCall(
  ctx: CtlContext,
  method: string,
  params?: RpcParams,
  timeoutMs?: number,
): Promise<unknown> {
  if (!METHOD.test(method)) {
    throw usageError(`"${method}" is not a method name (group.verb, e.g. core.uptime)`, [
      'list the methods with: sipctl rpc system.listMethods',
    ]);
  }
  return rpc(ctx, method, params, timeoutMs);
}
