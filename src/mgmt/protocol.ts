/**
 * sipd's management protocol: JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over a Unix
 * stream socket. Framing: each request and each response is one JSON text on one line, terminated
 * by "\n" (newline-delimited JSON; JSON.stringify never emits a raw newline). A line may hold a
 * batch (an array of requests). Requests without an `id` are notifications and get no reply.
 *
 * Errors use the standard codes, plus implementation-defined ones in the -32000..-32099 range the
 * spec reserves for servers. Every error carries `data.reason`: what exactly went wrong, for a
 * human (the `message` is the generic text of the code).
 *
 * Shared by the server (src/daemon/mgmt) and the client (src/mgmt/client.ts).
 */

export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** The operation was attempted and failed. */
  FAILED: -32000,
  /** The thing named (AoR, contact, statistic, domain) does not exist. */
  NOT_FOUND: -32004,
  /** It already exists, or the change conflicts with current state. */
  CONFLICT: -32009,
  /** sipd is shutting down or the subsystem is not available. */
  UNAVAILABLE: -32010,
} as const;

export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

export const RPC_ERROR_MESSAGES: Record<number, string> = {
  [RpcErrorCode.PARSE_ERROR]: 'Parse error',
  [RpcErrorCode.INVALID_REQUEST]: 'Invalid Request',
  [RpcErrorCode.METHOD_NOT_FOUND]: 'Method not found',
  [RpcErrorCode.INVALID_PARAMS]: 'Invalid params',
  [RpcErrorCode.INTERNAL_ERROR]: 'Internal error',
  [RpcErrorCode.FAILED]: 'Failed',
  [RpcErrorCode.NOT_FOUND]: 'Not found',
  [RpcErrorCode.CONFLICT]: 'Conflict',
  [RpcErrorCode.UNAVAILABLE]: 'Unavailable',
};

export type RpcId = string | number | null;
export type RpcParams = unknown[] | Record<string, unknown>;

export interface RpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: RpcParams;
  id?: RpcId;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data: { reason: string; [k: string]: unknown };
}

export type RpcResponse =
  { jsonrpc: '2.0'; result: unknown; id: RpcId } | { jsonrpc: '2.0'; error: RpcErrorObject; id: RpcId };

/** Thrown by method handlers (and the registry) to answer with a JSON-RPC error. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly data: { reason: string; [k: string]: unknown };
  constructor(
    readonly code: number,
    reason: string,
    extra: Record<string, unknown> = {},
  ) {
    super(reason);
    this.data = { reason, ...extra };
  }
  toJSON(): RpcErrorObject {
    return { code: this.code, message: RPC_ERROR_MESSAGES[this.code] ?? 'Server error', data: this.data };
  }
}

export const rpcNotFound = (reason: string) => new RpcError(RpcErrorCode.NOT_FOUND, reason);
export const rpcConflict = (reason: string) => new RpcError(RpcErrorCode.CONFLICT, reason);
export const rpcInvalidParams = (reason: string) => new RpcError(RpcErrorCode.INVALID_PARAMS, reason);
export const rpcFailed = (reason: string) => new RpcError(RpcErrorCode.FAILED, reason);

/** Largest request line the server reads (a bigger one is answered with a parse error and closed). */
export const MAX_REQUEST_BYTES = 1024 * 1024;
