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
