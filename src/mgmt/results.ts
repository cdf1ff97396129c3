/**
 * Result shapes of sipd's management methods that clients read field by field. They are part of
 * the management protocol, so they live here: the daemon's handlers return them and ctl reads
 * them, and neither side imports the other.
 */

/** core.uptime: Kamailio's fields (now, up_since as ctime, uptime in s) plus numeric ones. */
export interface UptimeResult {
  now: string;
  up_since: string;
  /** Whole seconds (Kamailio's field). */
  uptime: number;
  now_ms: number;
  started_ms: number;
  uptime_ms: number;
}

/** core.info: what status shows, in one call. */
export interface CoreInfoResult {
  version: string;
  pid: number;
  /** The server's state (starting, running, stopping, ...). */
  state: string;
  started_ms: number;
  /** Whole seconds. */
  uptime: number;
  listen: string[];
  domains: readonly string[];
  modules: string[];
  config_file: string | null;
  run_dir: string;
  data_dir: string;
  socket: string;
}

/** One registered contact as ul.dump / ul.lookup return it. */
export interface ContactInfo {
  address: string;
  /** seconds left, null for a permanent contact */
  expires: number | null;
  q: number;
  call_id: string;
  cseq: number;
  user_agent: string;
  received: string | null;
  path: string | null;
  socket: string | null;
  instance: string | null;
  reg_id: number;
  ruid: string;
  /** epoch seconds */
  last_modified: number;
}

/** route.reload (sipctl reload, SIGHUP): the route file loaded again. */
export interface RouteReloadResult {
  /** the route file loaded, or null when sipd runs the built-in default route */
  file: string | null;
  /** the route's name (its `name`, else "default" / the file name) */
  name: string;
  reloaded: boolean;
}

/** One certificate of tls.list (sipctl tls): the default one or one per SNI server name. */
export interface TlsCertificateRow {
  /** "default", or the [[tls.domain]] server_name it is served for (SNI). */
  name: string;
  certificate_file: string;
  private_key_file: string;
  /** Set when the file could not be read or parsed (then the fields below are absent). */
  error?: string;
  subject?: string;
  san?: string[];
  issuer?: string;
  /** ISO 8601, UTC. */
  not_before?: string;
  not_after?: string;
  /** Whole days until not_after; negative once expired. */
  days_left?: number;
  fingerprint_sha256?: string;
}

/** tls.list: the certificates a running sipd has loaded (at start, or at the last SIGHUP). */
export interface TlsListResult {
  /** "sipd": what the running sipd holds; "config": read from the files the config names (sipd not running). */
  source: 'sipd' | 'config';
  /** TLS listeners the running sipd has (0 when read from the config). */
  listeners: number;
  /** Epoch ms the certificates were loaded (read from the files, for source "config"), null when none are. */
  loaded_ms: number | null;
  certificates: TlsCertificateRow[];
}

/** One listener of core.listeners (sipctl ps): its counters, read from the transport. */
export interface ListenerRow {
  proto: string;
  address: string;
  port: number;
  /** Open connections (0 for UDP). */
  connections: number;
  /** Connections opened and closed since start (inbound and outbound). */
  opened: number;
  closed: number;
  /** TLS handshakes that failed (0 for other transports). */
  handshake_failures: number;
  /** Inbound connections refused at the caps (tcp.max_connections, tcp.max_connections_per_ip). */
  refused: number;
  messages_in: number;
  messages_out: number;
}

/** One open connection of core.connections (sipctl ps --connections). */
export interface ConnectionRow {
  id: number;
  proto: string;
  /** The peer, "address:port" ([v6]:port). */
  remote: string;
  local: string;
  /** Whether the peer connected to us (false: sipd opened it). */
  inbound: boolean;
  /** Milliseconds since it opened, and since the last byte either way. */
  age_ms: number;
  idle_ms: number;
  messages_in: number;
  messages_out: number;
  /** Milliseconds a registration keeps it open for although idle (0: none does). */
  kept_ms: number;
  /** RFC 5923 aliases: "address:port" targets requests to which go over this connection. */
  aliases: string[];
}
