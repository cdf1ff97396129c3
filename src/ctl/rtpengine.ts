/**
 * The running sipd's rtpengine instances (sipctl rtpengine show|ping|enable|disable) through
 * the management socket: rtpengine.show, rtpengine.ping, rtpengine.enable, rtpengine.disable.
 * A sipd without [rtpengine] sockets has none of these methods: exit 1 with what to configure.
 */
import { RpcCallError } from '../mgmt/client.js';
import { RpcErrorCode } from '../mgmt/protocol.js';
import { failed, notFound } from '../shared/errors.js';
import { rpc, type CtlContext } from './context.js';

export interface RtpengineInstance {
  socket: string;
  weight: number;
  enabled: boolean;
  up: boolean;
  sessions: number;
  lastError?: string;
}

export interface RtpengineShowResult {
  mode: string;
  on_failure: string;
  sessions: number;
  instances: RtpengineInstance[];
}

export interface RtpenginePingResult {
  instances: Array<{ socket: string; up: boolean; ms: number; error?: string }>;
}

async function call<T>(ctx: CtlContext, method: string, params?: Record<string, unknown>): Promise<T> {
  try {
    return await rpc<T>(ctx, method, params);
  } catch (err) {
    if (err instanceof RpcCallError && err.rpcCode === RpcErrorCode.METHOD_NOT_FOUND) {
      throw failed('sipd runs without rtpengine', 'RTPENGINE_NOT_CONFIGURED', [
        'set [rtpengine] sockets in sipd.conf, then `sipctl restart`',
      ]);
    }
    if (err instanceof RpcCallError && err.rpcCode === RpcErrorCode.NOT_FOUND) {
      throw notFound(err.message, 'RTPENGINE_NOT_FOUND', ['`sipctl rtpengine show` lists the instances']);
    }
    throw err;
  }
}

const socketParams = (socket: string | undefined) => (socket === undefined ? {} : { socket });

export const rtpengineShow = (ctx: CtlContext) => call<RtpengineShowResult>(ctx, 'rtpengine.show');

/** Ping; exit 1 (after printing) when an instance did not answer is the command's business. */
export const rtpenginePing = (ctx: CtlContext, socket?: string) =>
  call<RtpenginePingResult>(ctx, 'rtpengine.ping', socketParams(socket));

export async function rtpengineSetEnabled(
  ctx: CtlContext,
  enabled: boolean,
  socket?: string,
): Promise<{ sockets: string[] }> {
  const method = enabled ? 'rtpengine.enable' : 'rtpengine.disable';
  const r = await call<Record<string, string[]>>(ctx, method, socketParams(socket));
  return { sockets: r[enabled ? 'enabled' : 'disabled'] ?? [] };
}
