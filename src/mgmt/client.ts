/**
 * Client of sipd's management socket (newline-delimited JSON-RPC 2.0 over a Unix stream socket;
 * see ./protocol.ts), for sipctl and `sipd status/stop`. Every failure is a CliError
 * with an exit code and a message that says what to do: sipd not running, a permission problem
 * (with the path and the fix), a timeout, or the error sipd answered.
 *
 *   const c = await MgmtClient.connect({ socketPath });
 *   try { const up = await c.call<UptimeResult>('core.uptime'); } finally { c.close(); }
 *   // or one call: await mgmtCall(socketPath, 'stats.fetch', ['core:'])
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { RpcErrorCode, type RpcErrorObject, type RpcParams } from './protocol.js';
import { CliError } from '../shared/errors.js';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.js';

export interface MgmtClientOptions {
  socketPath: string;
  /** Per-call timeout in ms (default 5000); also bounds connecting. */
  timeoutMs?: number;
}

/** An error answered by sipd. `rpcCode` is the JSON-RPC code, `data.reason` the details. */
export class RpcCallError extends CliError {
  constructor(
    readonly method: string,
    readonly rpcCode: number,
    readonly data: { reason?: string; [k: string]: unknown } | undefined,
    rpcMessage: string,
  ) {
    const [exit, code] = rpcErrorExit(rpcCode);
    const actions =
      rpcCode === RpcErrorCode.METHOD_NOT_FOUND ? ['list the methods with: sipctl rpc system.listMethods'] : [];
    super(`sipd: ${method}: ${data?.reason ?? rpcMessage}`, exit, code, actions);
  }
}

/** The exit code and stable code string for a JSON-RPC error code. */
export function rpcErrorExit(rpcCode: number): [ExitCodeValue, string] {
  switch (rpcCode) {
    case RpcErrorCode.PARSE_ERROR:
    case RpcErrorCode.INVALID_REQUEST:
      return [ExitCode.USAGE, 'RPC_INVALID_REQUEST'];
    case RpcErrorCode.METHOD_NOT_FOUND:
      return [ExitCode.USAGE, 'RPC_METHOD_NOT_FOUND'];
    case RpcErrorCode.INVALID_PARAMS:
      return [ExitCode.USAGE, 'RPC_INVALID_PARAMS'];
    case RpcErrorCode.NOT_FOUND:
      return [ExitCode.NOT_FOUND, 'NOT_FOUND'];
    case RpcErrorCode.CONFLICT:
      return [ExitCode.CONFLICT, 'CONFLICT'];
    case RpcErrorCode.UNAVAILABLE:
      return [ExitCode.STATE, 'UNAVAILABLE'];
    case RpcErrorCode.INTERNAL_ERROR:
      return [ExitCode.INTERNAL, 'RPC_INTERNAL_ERROR'];
    default:
      return [ExitCode.FAILED, 'RPC_FAILED'];
  }
}

interface Pending {
  method: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class MgmtClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = '';
  private closedError?: Error;

  private constructor(
    private readonly socket: Socket,
    readonly socketPath: string,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (e) => this.failAll(connectionError(socketPath, e as NodeJS.ErrnoException)));
    socket.on('close', () =>
      this.failAll(
        new CliError(
          `sipd at ${socketPath} closed the connection before answering (is it shutting down?)`,
          ExitCode.UNREACHABLE,
          'CONNECTION_CLOSED',
        ),
      ),
    );
  }

  /** Connects; rejects with a CliError naming the socket and the fix. */
  static connect(opts: MgmtClientOptions): Promise<MgmtClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = createConnection(opts.socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(timeoutError(opts.socketPath, 'connect', timeoutMs));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new MgmtClient(socket, opts.socketPath, timeoutMs));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(connectionError(opts.socketPath, e as NodeJS.ErrnoException));
      });
    });
  }

  /** Calls a method with positional (array) or named (object) params; rejects with RpcCallError or a CliError. */
  call<T = unknown>(method: string, params?: RpcParams, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(timeoutError(this.socketPath, method, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      const req = params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id };
      this.socket.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.closedError ??= new CliError('management connection closed', ExitCode.UNREACHABLE, 'CONNECTION_CLOSED');
    this.socket.end();
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim() === '') continue;
      let msg: { id?: unknown; result?: unknown; error?: RpcErrorObject };
      try {
        msg = JSON.parse(line);
      } catch {
        this.failAll(
          new CliError(`sipd at ${this.socketPath} sent a reply that is not JSON`, ExitCode.FAILED, 'BAD_REPLY'),
        );
        return;
      }
      const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (!p) {
        // A reply without our id: sipd could not read the request at all (parse error). Fail the oldest call.
        const first = this.pending.entries().next().value;
        if (msg.error && first) this.settle(first[0], first[1], msg);
        continue;
      }
      this.settle(msg.id as number, p, msg);
    }
  }

  private settle(id: number, p: Pending, msg: { result?: unknown; error?: RpcErrorObject }): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (msg.error) p.reject(new RpcCallError(p.method, msg.error.code, msg.error.data, msg.error.message));
    else p.resolve(msg.result);
  }

  private failAll(e: Error): void {
    this.closedError ??= e;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(e);
    }
  }
}

/** One call on a fresh connection, closed afterwards. */
export async function mgmtCall<T = unknown>(
  socketPath: string,
  method: string,
  params?: RpcParams,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const c = await MgmtClient.connect({ socketPath, timeoutMs: opts.timeoutMs });
  try {
    return await c.call<T>(method, params);
  } finally {
    c.close();
  }
}

function timeoutError(path: string, what: string, ms: number): CliError {
  return new CliError(`sipd at ${path} did not answer ${what} within ${ms} ms`, ExitCode.UNREACHABLE, 'TIMEOUT', [
    'sipd may be overloaded or stuck; check its log, or retry with a longer --timeout',
  ]);
}

/** Turns a connect error into the message a user can act on. */
export function connectionError(path: string, e: NodeJS.ErrnoException): CliError {
  switch (e.code) {
    case 'ENOENT':
      return new CliError(
        `cannot reach sipd at ${path}: is it running? try \`sipctl start\``,
        ExitCode.UNREACHABLE,
        'NOT_RUNNING',
        ['start it with: sipctl start (or sipd start)', 'if sipd runs with another --run-dir, pass the same --run-dir'],
      );
    case 'ECONNREFUSED':
      return new CliError(
        `cannot reach sipd at ${path}: the socket exists but nobody answers (sipd stopped uncleanly or is starting); try \`sipctl start\``,
        ExitCode.UNREACHABLE,
        'NOT_RUNNING',
        ['check with: sipd status'],
      );
    case 'EACCES':
    case 'EPERM': {
      const blocked = blockedPath(path);
      return new CliError(
        `permission denied on ${blocked}: your user may not use sipd's management socket ${path}`,
        ExitCode.UNREACHABLE,
        'EACCES',
        [
          `see who may: ls -ld ${dirname(path)} ${path}`,
          "run as the user sipd runs as (or root), or join the socket's group (usermod -aG GROUP $USER, then log in again)",
          'the group is set with mgmt.group in sipd.conf; the mode (0660) with mgmt.mode',
        ],
      );
    }
    case 'ENOTSOCK':
      return new CliError(
        `${path} is not a socket: not sipd's management socket`,
        ExitCode.UNREACHABLE,
        'NOT_A_SOCKET',
      );
    default:
      return new CliError(`cannot reach sipd at ${path}: ${e.message}`, ExitCode.UNREACHABLE, e.code ?? 'UNREACHABLE');
  }
}

/** Which path denies access: the socket itself, or a directory on the way to it. */
function blockedPath(path: string): string {
  const dirs: string[] = [];
  for (let d = dirname(path); ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const d of dirs) {
    try {
      accessSync(d, constants.X_OK);
    } catch {
      return `directory ${d}`;
    }
  }
  try {
    statSync(path);
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return path;
  }
  return path;
}
