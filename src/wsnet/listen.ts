/**
 * ws: and wss: listeners for a TransportLayer (`listeners` option): the core's WsTransport bound
 * to a server of server.ts, outbound connections through dialSip. WSS takes the TLS settings of
 * tls: listeners (certificate, SNI, client verification, reload); the stream limits are those of
 * TCP and TLS, counted in the same ledger.
 */
import type { Server as TlsServer } from 'node:tls';
import {
  TlsServerCredentials,
  TransportError,
  WsTransport,
  type ListenerFactory,
  type ListenSpec,
  type StreamOptions,
  type TlsOptions,
  type WsBinding,
} from '../core/index.js';
import { startWsServer } from './server.js';
import { adapt, dialSip, endpointsOf, wire } from './socket.js';

export interface WsSettings {
  /** HTTP path of the upgrade (default "/"). */
  path?: string;
  /** Origins allowed to upgrade; empty or absent = all. */
  allowedOrigins?: readonly string[];
  /** ms between WebSocket pings (default 30000; 0 = none). */
  pingInterval?: number;
}

/** Listen for SIP over WebSocket (`protocol` WS) or secure WebSocket (WSS, needs `tls`). */
export async function listenWs(
  spec: ListenSpec,
  stream: StreamOptions,
  tls: TlsOptions | undefined,
  settings: WsSettings = {},
): Promise<WsTransport> {
  const protocol = spec.protocol.toUpperCase();
  if (protocol !== 'WS' && protocol !== 'WSS')
    throw new TransportError('SIP_ERR_BAD_ADDRESS', `not a WebSocket protocol: ${spec.protocol}`);
  if (protocol === 'WSS' && tls === undefined)
    throw new TransportError('SIP_ERR_BAD_ADDRESS', 'A WSS listener needs a certificate and key (options.tls)');
  const opts = {
    ...stream,
    ...tls,
    ...(settings.pingInterval !== undefined ? { pingInterval: settings.pingInterval } : {}),
  };
  const credentials =
    protocol === 'WSS' ? new TlsServerCredentials({ ...opts, credentials: tls!.credentials }) : undefined;
  const maxPayload = { maxMessageSize: 65535, ...stream.limits }.maxMessageSize;
  const handshakeTimeout = stream.messageTimeout ?? 20_000;
  const ref: { t?: WsTransport } = {};
  const ws = await startWsServer(
    spec,
    {
      path: settings.path ?? '/',
      allowedOrigins: settings.allowedOrigins ?? [],
      maxPayload,
      handshakeTimeout,
      ...(credentials ? { tls: credentials.serverOptions() } : {}),
    },
    {
      admit: (ip) => ref.t!.admit(ip),
      release: (ip) => ref.t!.release(ip),
      failed: () => ref.t!.upgradeFailed(),
      timedOut: () => ref.t!.upgradeTimedOut(),
      accepted: (socket, req) => wire(socket, ref.t!.accept(adapt(socket), endpointsOf(req.socket))),
    },
  );
  const a = ws.server.address();
  if (a === null || typeof a === 'string') throw new Error('WebSocket server has no address');
  const binding: WsBinding = {
    address: { address: a.address, family: a.family === 'IPv6' ? 6 : 4, port: a.port },
    dial: (host, port, localAddress, handlerFor) => {
      const socket = dialSip(host, port, {
        secure: protocol === 'WSS',
        localAddress,
        family: binding.address.family,
        maxPayload,
        handshakeTimeout,
        ...(credentials ? { secureContext: credentials.client, rejectUnauthorized: tls?.verifyServer ?? false } : {}),
      });
      wire(socket, handlerFor(adapt(socket)));
    },
    ...(credentials ? { setCredentials: (c) => credentials.swap(ws.server as TlsServer, c) } : {}),
    close: () => ws.close(),
  };
  ref.t = new WsTransport(protocol, binding, spec, opts);
  return ref.t;
}

/** The `listeners` option of a TransportLayer for ws: and wss: listeners with these settings. */
export function wsListeners(settings: WsSettings = {}): Record<'WS' | 'WSS', ListenerFactory> {
  const make: ListenerFactory = (spec, stream, tls) => listenWs(spec, stream, tls, settings);
  return { WS: make, WSS: make };
}
