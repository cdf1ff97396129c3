/**
 * The management method registry, separate from the socket that carries calls (as OpenSIPS keeps
 * mi_fifo apart from the MI commands modules export). Modules register methods with a parameter
 * list; the registry maps positional and named params onto it, checks types, and turns results
 * and thrown errors into JSON-RPC responses.
 */
import {
  RpcError,
  RpcErrorCode,
  rpcInvalidParams,
  type RpcId,
  type RpcParams,
  type RpcResponse,
} from '../../mgmt/protocol.js';

export type ParamType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'any';

export interface ParamSpec {
  name: string;
  type: ParamType;
  optional?: boolean;
  /** Last param only: collects the remaining positional params (named form: an array, or one value). */
  rest?: boolean;
  help?: string;
}

export interface MethodContext {
  /** Run `fn` once the reply has been written (e.g. core.shutdown stops the server after answering). */
  afterReply(fn: () => void): void;
}

export interface MethodSpec {
  /** Dotted name, `group.verb` (`ul.dump`, `core.uptime`). */
  name: string;
  /** One or two sentences for system.methodHelp. */
  help: string;
  params?: ParamSpec[];
  /** Receives params by name (positional ones already mapped); returns the JSON result. */
  handler(params: Record<string, unknown>, ctx: MethodContext): unknown;
  /** The module that registered it (for listings). */
  module?: string;
}

const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

export class MethodRegistry {
  private readonly methods = new Map<string, MethodSpec>();

  register(spec: MethodSpec): void {
    if (!METHOD_NAME.test(spec.name)) throw new Error(`invalid RPC method name '${spec.name}': use group.verb`);
    if (this.methods.has(spec.name)) throw new Error(`RPC method ${spec.name} is already registered`);
    const params = spec.params ?? [];
    params.forEach((p, i) => {
      if (p.rest && i !== params.length - 1) throw new Error(`${spec.name}: only the last param may be rest`);
    });
    this.methods.set(spec.name, spec);
  }

  unregister(name: string): boolean {
    return this.methods.delete(name);
  }

  get(name: string): MethodSpec | undefined {
    return this.methods.get(name);
  }

  /** Method names, sorted. */
  list(): string[] {
    return [...this.methods.keys()].sort();
  }

  /** `name a b [c] [d...] - help` for system.methodHelp. */
  usage(name: string): string {
    const m = this.methods.get(name);
    if (!m) throw new RpcError(RpcErrorCode.NOT_FOUND, `no method '${name}'; see system.listMethods`);
    const sig = (m.params ?? []).map((p) => {
      const s = `${p.name}${p.rest ? '...' : ''}`;
      return p.optional || p.rest ? `[${s}]` : s;
    });
    return [m.name, ...sig].join(' ') + ' - ' + m.help;
  }

  /**
   * Handles one decoded JSON value (a request, or a batch array). Returns the response(s), or
   * undefined when nothing must be sent (notifications).
   */
  async dispatch(msg: unknown, ctx: MethodContext): Promise<RpcResponse | RpcResponse[] | undefined> {
    if (Array.isArray(msg)) {
      if (msg.length === 0) return errorResponse(null, new RpcError(RpcErrorCode.INVALID_REQUEST, 'empty batch'));
      const out: RpcResponse[] = [];
      for (const one of msg) {
        const r = await this.dispatchOne(one, ctx);
        if (r) out.push(r);
      }
      return out.length ? out : undefined;
    }
    return this.dispatchOne(msg, ctx);
  }

  private async dispatchOne(req: unknown, ctx: MethodContext): Promise<RpcResponse | undefined> {
    if (!req || typeof req !== 'object' || Array.isArray(req)) {
      return errorResponse(null, new RpcError(RpcErrorCode.INVALID_REQUEST, 'a request must be a JSON object'));
    }
    const r = req as Record<string, unknown>;
    const idOk = r.id === undefined || r.id === null || typeof r.id === 'string' || typeof r.id === 'number';
    const id = (idOk ? (r.id ?? null) : null) as RpcId;
    const notification = !('id' in r);
    let problem: string | undefined;
    if (r.jsonrpc !== '2.0') problem = 'missing "jsonrpc": "2.0"';
    else if (typeof r.method !== 'string' || r.method === '') problem = '"method" must be a non-empty string';
    else if (!idOk) problem = '"id" must be a string, a number or null';
    else if (r.params !== undefined && (typeof r.params !== 'object' || r.params === null)) {
      problem = '"params" must be an array or an object';
    }
    if (problem) return errorResponse(id, new RpcError(RpcErrorCode.INVALID_REQUEST, problem));
    try {
      const result = await this.call(r.method as string, r.params as RpcParams | undefined, ctx);
      return notification ? undefined : { jsonrpc: '2.0', result: result === undefined ? null : result, id };
    } catch (e) {
      if (notification) return undefined;
      if (e instanceof RpcError) return errorResponse(id, e);
      return errorResponse(id, new RpcError(RpcErrorCode.INTERNAL_ERROR, (e as Error)?.message ?? String(e)));
    }
  }

  /** Calls a method directly (in-process callers and tests); throws RpcError. */
  async call(method: string, params: RpcParams | undefined, ctx: MethodContext = noCtx): Promise<unknown> {
    const m = this.methods.get(method);
    if (!m) throw new RpcError(RpcErrorCode.METHOD_NOT_FOUND, `no method '${method}'; see system.listMethods`);
    return m.handler(bindParams(m, params), ctx);
  }
}

const noCtx: MethodContext = { afterReply: (fn) => setImmediate(fn) };

function errorResponse(id: RpcId, e: RpcError): RpcResponse {
  return { jsonrpc: '2.0', error: e.toJSON(), id };
}

/** Maps positional or named params onto the method's param list and checks each value. */
export function bindParams(m: MethodSpec, params: RpcParams | undefined): Record<string, unknown> {
  const specs = m.params ?? [];
  const out: Record<string, unknown> = {};
  const usage = () =>
    `usage: ${[m.name, ...specs.map((p) => (p.optional || p.rest ? `[${p.name}]` : p.name))].join(' ')}`;
  if (Array.isArray(params)) {
    const fixed = specs.filter((p) => !p.rest).length;
    const rest = specs.find((p) => p.rest);
    if (!rest && params.length > specs.length) {
      throw rpcInvalidParams(`${m.name} takes at most ${specs.length} params, got ${params.length}; ${usage()}`);
    }
    specs.forEach((p, i) => {
      if (p.rest) out[p.name] = params.slice(fixed);
      else if (i < params.length) out[p.name] = params[i];
    });
  } else if (params) {
    for (const [k, v] of Object.entries(params)) {
      const p = specs.find((s) => s.name === k);
      if (!p) {
        const known = specs.map((s) => s.name).join(', ') || 'none';
        throw rpcInvalidParams(`${m.name} has no param '${k}' (params: ${known})`);
      }
      out[k] = p.rest && !Array.isArray(v) ? [v] : v;
    }
  }
  for (const p of specs) {
    const v = out[p.name];
    if (v === undefined || v === null) {
      if (!p.optional && !p.rest) throw rpcInvalidParams(`missing param '${p.name}'; ${usage()}`);
      if (p.rest) out[p.name] = [];
      else delete out[p.name];
      continue;
    }
    if (p.rest) (out[p.name] as unknown[]).forEach((x, i) => ((out[p.name] as unknown[])[i] = coerce(m, p, x)));
    else out[p.name] = coerce(m, p, v);
  }
  return out;
}

/** Type check, with the lenient conversions a shell user needs ("3600" → 3600, "true" → true). */
function coerce(m: MethodSpec, p: ParamSpec, v: unknown): unknown {
  const bad = (want: string) =>
    rpcInvalidParams(`${m.name}: param '${p.name}' must be ${want}, got ${JSON.stringify(v)}`);
  switch (p.type) {
    case 'any':
      return v;
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return String(v);
      throw bad('a string');
    case 'number':
    case 'integer': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad(p.type === 'integer' ? 'an integer' : 'a number');
      if (p.type === 'integer' && !Number.isInteger(n)) throw bad('an integer');
      return n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1' || v === 1) return true;
      if (v === 'false' || v === '0' || v === 0) return false;
      throw bad('true or false');
    case 'array':
      if (Array.isArray(v)) return v;
      throw bad('an array');
    case 'object':
      if (v && typeof v === 'object' && !Array.isArray(v)) return v;
      throw bad('an object');
  }
}
