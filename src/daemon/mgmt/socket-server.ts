/**
 * The management socket: a Unix stream socket carrying newline-delimited JSON-RPC 2.0 (see
 * protocol.ts), served from a MethodRegistry. Created with mode 0660 or tighter from the first
 * instant (umask set around bind, then chmod), optionally chowned to an operators' group. A stale
 * socket file left by a crash is replaced; a live one (another sipd) is refused.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { CliError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-codes.js';
import type { Logger } from '../log.js';
import { MAX_REQUEST_BYTES, RpcError, RpcErrorCode, type RpcResponse } from '../../mgmt/protocol.js';
import type { MethodContext, MethodRegistry } from './registry.js';

export interface MgmtServerOptions {
  path: string;
  /** File mode of the socket (0660 by default). */
  mode?: number;
  /** Group name or gid to own the socket; empty = leave as created. */
  group?: string;
  registry: MethodRegistry;
  log: Logger;
  maxRequestBytes?: number;
}

interface Conn {
  socket: Socket;
  busy: boolean;
}

export class MgmtServer {
  private server?: Server;
  private readonly conns = new Set<Conn>();
  private closing?: Promise<void>;

  constructor(private readonly opts: MgmtServerOptions) {}

  get path(): string {
    return this.opts.path;
  }

  async listen(): Promise<void> {
    const { path } = this.opts;
    const mode = this.opts.mode ?? 0o660;
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    await clearStaleSocket(path);
    const server = createServer((s) => this.accept(s));
    this.server = server;
    // bind(2) creates the socket file with the umask applied; make it no wider than `mode` from
    // the start so there is no window where others could connect.
    const old = process.umask(0o777 & ~mode);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(old);
    }
    server.on('error', (e) => this.opts.log.error({ err: e }, 'management socket error'));
    chmodSync(path, mode);
    if (this.opts.group) chownSync(path, -1, gidOf(this.opts.group));
  }

  /**
   * Stops accepting, lets calls in progress finish (up to `graceMs`), ends every connection and
   * removes the socket file. Idempotent.
   */
  close(graceMs = 2000): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.conns) if (!c.busy) c.socket.end();
    const deadline = setTimeout(() => {
      for (const c of this.conns) c.socket.destroy();
    }, graceMs);
    await closed; // resolves once every connection has gone
    clearTimeout(deadline);
    try {
      unlinkSync(this.opts.path);
    } catch {
      // Already gone (server.close() removes it on some platforms).
    }
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn: Conn = { socket, busy: false };
    this.conns.add(conn);
    const max = this.opts.maxRequestBytes ?? MAX_REQUEST_BYTES;
    let buffered: Buffer[] = [];
    let size = 0;
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
        buffered.push(chunk.subarray(start, nl));
        const line = Buffer.concat(buffered).toString('utf8');
        buffered = [];
        size = 0;
        start = nl + 1;
        queue = queue.then(() => this.handleLine(conn, line));
      }
      if (start < chunk.length) {
        buffered.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > max) {
          const err = new RpcError(RpcErrorCode.PARSE_ERROR, `request longer than ${max} bytes without a newline`);
          socket.end(JSON.stringify({ jsonrpc: '2.0', error: err.toJSON(), id: null }) + '\n');
          socket.pause();
          buffered = [];
        }
      }
    });
    socket.on('error', () => {}); // a client that goes away mid-reply is not our problem
    socket.on('close', () => this.conns.delete(conn));
  }

  private async handleLine(conn: Conn, line: string): Promise<void> {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '' || conn.socket.destroyed) return;
    conn.busy = true;
    const after: Array<() => void> = [];
    const ctx: MethodContext = { afterReply: (fn) => after.push(fn) };
    let reply: RpcResponse | RpcResponse[] | undefined;
    try {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch (e) {
        throw new RpcError(RpcErrorCode.PARSE_ERROR, `invalid JSON: ${(e as Error).message}`);
      }
      reply = await this.opts.registry.dispatch(msg, ctx);
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError(RpcErrorCode.INTERNAL_ERROR, String(e));
      reply = { jsonrpc: '2.0', error: err.toJSON(), id: null };
    }
    if (reply && !conn.socket.destroyed) {
      let out: string;
      try {
        out = JSON.stringify(reply);
      } catch (e) {
        const id = Array.isArray(reply) ? null : reply.id;
        const err = new RpcError(RpcErrorCode.INTERNAL_ERROR, `result is not JSON: ${(e as Error).message}`);
        out = JSON.stringify({ jsonrpc: '2.0', error: err.toJSON(), id });
      }
      await new Promise<void>((resolve) => conn.socket.write(out + '\n', () => resolve()));
    }
    conn.busy = false;
    if (this.closing) conn.socket.end();
    for (const fn of after) fn();
  }
}

/**
 * A socket file left by a crashed sipd is removed; one that answers belongs to a running sipd and
 * is an error (STATE); anything else at that path is left alone and reported.
 */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new CliError(`${path} exists and is not a socket; not replacing it`, ExitCode.FAILED, 'SOCKET_PATH_TAKEN', [
      'remove it, or set mgmt.socket to another path',
    ]);
  }
  const live = await new Promise<boolean>((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (live) {
    throw new CliError(`another sipd is serving the management socket ${path}`, ExitCode.STATE, 'ALREADY_RUNNING', [
      'stop it first (sipd stop), or give this one another --run-dir',
    ]);
  }
  unlinkSync(path);
}

/** A group name (looked up in /etc/group) or a numeric gid. */
export function gidOf(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group) return Number(gid);
  }
  throw new CliError(`unknown group '${group}' (mgmt.group)`, ExitCode.USAGE, 'USAGE', [
    `create it (groupadd ${group}) or fix mgmt.group`,
  ]);
}
