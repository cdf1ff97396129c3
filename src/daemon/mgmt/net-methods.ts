/**
 * The RPC methods about the SIP listeners and their connections, and the TLS certificates in
 * use: core.listeners and core.connections (sipctl ps, ps --connections) and tls.list (sipctl
 * tls, kamctl's `tls` listing). They read the transports' own counters and tables when called;
 * nothing is kept for them on the hot path.
 */
import { hostForUri, type Transport } from '../../core/index.js';
import { loadedCertificateRows } from '../config/tls-list.js';
import type { SipdServer } from '../server.js';
import type { ConnectionRow, ListenerRow, TlsListResult } from '../../mgmt/results.js';

const addr = (address: string, port: number) => `${hostForUri(address)}:${port}`;

function listenerRow(t: Transport): ListenerRow {
  const s = t.stats;
  return {
    proto: t.protocol.toLowerCase(),
    address: t.localAddress,
    port: t.localPort,
    connections: t.connectionCount,
    opened: s.connectionsOpened,
    closed: s.connectionsClosed,
    handshake_failures: s.handshakeFailures,
    refused: s.refusedMax + s.refusedPerIp,
    messages_in: s.messagesIn,
    messages_out: s.messagesOut,
  };
}

function connectionRows(t: Transport, now: number): ConnectionRow[] {
  return (t.connections?.() ?? []).map((c) => ({
    id: c.id,
    proto: t.protocol.toLowerCase(),
    remote: addr(c.remoteAddress, c.remotePort),
    local: addr(c.localAddress, c.localPort),
    inbound: c.inbound,
    age_ms: now - c.openedAt,
    idle_ms: now - c.lastActivity,
    messages_in: c.messagesIn,
    messages_out: c.messagesOut,
    kept_ms: Math.max(0, c.keptUntil - now),
    aliases: c.aliases.map((a) => addr(a.address, a.port)),
  }));
}

export function registerNetMethods(server: SipdServer): void {
  const rpc = server.rpc;
  const transports = () => server.sipTransport?.layer?.transports ?? [];

  rpc.register({
    name: 'core.listeners',
    module: 'core',
    help: 'SIP listeners with their counters: [{proto, address, port, connections, opened, closed, handshake_failures, refused, messages_in, messages_out}].',
    handler: (): ListenerRow[] => transports().map(listenerRow),
  });

  rpc.register({
    name: 'core.connections',
    module: 'core',
    help: 'Open TCP, TLS, WS and WSS connections: [{id, proto, remote, local, inbound, age_ms, idle_ms, messages_in, messages_out, kept_ms, aliases}]; kept_ms > 0 while a registration keeps it open.',
    handler: (): ConnectionRow[] => {
      // Date.now(), not server.now(): the connections' times are the transport's wall clock.
      const now = Date.now();
      return transports().flatMap((t) => connectionRows(t, now));
    },
  });

  rpc.register({
    name: 'tls.list',
    module: 'core',
    help: 'TLS certificates in use (default, then one per SNI server name) as loaded at start or the last SIGHUP: {source, listeners, loaded_ms, certificates: [{name, certificate_file, private_key_file, subject, san, issuer, not_before, not_after, days_left, fingerprint_sha256} or {..., error}]}.',
    handler: (): TlsListResult => {
      const t = server.sipTransport?.loadedTls?.();
      if (t === undefined) return { source: 'sipd', listeners: 0, loaded_ms: null, certificates: [] };
      return {
        source: 'sipd',
        listeners: t.listeners,
        loaded_ms: t.loadedMs,
        certificates: loadedCertificateRows(t.section, t.credentials, Date.now()),
      };
    },
  });
}
