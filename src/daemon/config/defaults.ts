/**
 * sipd's defaults, in the shape of the config file (snake_case keys, as operators write them).
 * An empty string or list means "derive it": listen → UDP+TCP 5060 on all addresses, domains →
 * this host's name and addresses, db_url → SQLite in the data dir, logging.file and mgmt.socket →
 * files in the run dir. Values follow Kamailio's defaults unless the RFC says otherwise (423 for
 * a too-brief Expires, where Kamailio clamps by default).
 */
import { defaultPaths, type Paths } from '../../shared/paths.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const AUTH_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export type AuthAlgorithm = (typeof AUTH_ALGORITHMS)[number];

/** Every key of the config file with its default (paths filled for the current user). */
export function defaultFileConfig(paths: Paths = defaultPaths()) {
  return {
    listen: [] as string[],
    domains: [] as string[],
    db_url: '',
    data_dir: paths.dataDir,
    run_dir: paths.runDir,
    /**
     * The route (routing program) sipd runs for every request: a .js/.mjs/.cjs or .ts/.mts module
     * whose default export is a Route (sipkit/routing); relative to the config file. Empty = the
     * built-in default route. SIGHUP and `sipctl reload` load it again.
     */
    route: '',
    /** A route that neither answers nor relays a request within this many ms gets it a 500. */
    route_timeout_ms: 10000,
    /**
     * Processes serving SIP on the same listeners (node:cluster): requests are handed to the
     * worker owning their Call-ID, registrations reach every worker before they are acknowledged,
     * and one management socket serves them all. 1 = one process, as before.
     */
    workers: 1,
    /**
     * How the workers read UDP: "off" (the default), one socket per listener every worker reads;
     * "call-id", one socket per worker, the kernel steering each datagram to the worker owning its
     * Call-ID (an eBPF program on a SO_REUSEPORT group; needs CAP_BPF, else "off" with a warning).
     * See cluster/shared-udp.ts for what each costs.
     */
    worker_steering: 'off',
    auth: {
      /** Realm of challenges; empty = the domain of the request (To for REGISTER, From otherwise). */
      realm: '',
      /** Seconds a nonce stays valid; an older one gets a new challenge with stale=true. */
      nonce_expires: 300,
      /**
       * HMAC key of the nonces and of the Record-Route marks (signed Record-Route: in-dialog
       * requests are relayed only for dialogs sipd record-routed). Give every sipd of a cluster
       * the same one so each accepts the others' nonces and dialogs; '' = nonces: a random key per
       * start (they do not survive a restart); marks: a key generated once and kept in
       * DATA_DIR/route-mark.key (mode 0600), so that calls survive a restart.
       */
      secret: '',
      algorithms: ['MD5'] as string[],
      /** "auth" (RFC 2617 qop=auth) or "" (RFC 2069 style, no qop). */
      qop: 'auth',
      /**
       * Accept an answer without qop (RFC 2069 form, no nc) although qop="auth" was offered; each
       * such nonce then serves one request only. Off: such an answer is refused (a new challenge).
       */
      allow_no_qop: false,
      /** REGISTER must authenticate (401). Only labs turn this off. */
      register: true,
      /** Methods whose out-of-dialog requests from local users must authenticate (407). */
      methods: ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'PUBLISH', 'REFER', 'NOTIFY', 'INFO', 'OPTIONS'] as string[],
    },
    registrar: {
      min_expires: 60,
      default_expires: 3600,
      /** 0 = no maximum. */
      max_expires: 0,
      /** 0 = no limit. */
      max_contacts: 0,
      /** "reject" = 423 Interval Too Brief with Min-Expires (RFC 3261 §10.3 step 7); "clamp" = raise it. */
      min_expires_mode: 'reject',
      /**
       * Only with auth.register = false: true accepts a REGISTER for any user of a served domain
       * (Kamailio's behaviour without auth); false answers 404 to users that are not subscribers.
       */
      accept_unknown: false,
    },
    usrloc: {
      /**
       * 1 = durable (Kamailio db_mode 1): a REGISTER is answered 200 only once its binding change
       * is committed to the location table (group commit), 500 + Retry-After while the database is
       * down. 0 = memory only (db_mode 0): nothing is written, a restart forgets every binding.
       */
      db_mode: 1 as number,
    },
    timers: {
      t1_ms: 500,
      t2_ms: 4000,
      t4_ms: 5000,
      /** Final-response timer of non-INVITE client transactions (Kamailio fr_timer). */
      fr_ms: 30000,
      /** Final-response timer of INVITE branches after a provisional reply (Kamailio fr_inv_timer). */
      fr_inv_ms: 120000,
      /**
       * How long a completed transaction absorbs retransmissions (Kamailio's wt_timer, 5 s),
       * instead of RFC 3261's 64·T1 (32 s) on UDP: see sipd(8), SIP BEHAVIOUR.
       */
      wt_ms: 5000,
      /** Graceful stop: how long pending transactions may run on before sockets close. */
      drain_ms: 5000,
    },
    nat: {
      /** Store the real source of NAT'd registrations and route to it (fix_nated_register). */
      fix_register: true,
      /** Seconds between keepalive OPTIONS to NAT'd contacts; 0 = off. */
      keepalive_interval: 0,
    },
    protection: {
      /** Requests allowed per source IP in rate_window seconds; 0 = no limit. */
      rate_limit: 0,
      rate_window: 2,
      /** Auth failures from one source IP within ban_window seconds that ban it; 0 = never ban. */
      ban_failures: 10,
      ban_window: 60,
      /** Seconds a ban lasts. */
      ban_time: 300,
      /** Addresses or CIDR prefixes never rate-limited or banned. */
      exempt: [] as string[],
    },
    limits: {
      /** Largest SIP message accepted, bytes (header section + body); larger ones get 513. */
      max_message_size: 65535,
      /**
       * Overload control: while the requests read from a UDP socket have waited there longer
       * than this many ms, or the socket stays behind that long (datagrams left queued after
       * every read) while the kernel keeps dropping datagrams on it for want of room (with the
       * batched UDP addon; without it the backlog alone counts), a shrinking share of new
       * requests outside dialogs gets a stateless 503 with Retry-After (overload_retry_after);
       * the share grows back once the queue stops overflowing and requests wait less (never
       * below a fifth); requests answering a challenge always pass. 0 = off. 200 ms keeps what
       * sipd admits younger than the clients' T1 (500 ms): no retransmission spiral (issue 14,
       * routing/overload.ts, `npm run bench -- sipd-overload --load=register`).
       */
      overload_backlog_ms: 200,
      /** Seconds in the Retry-After of those 503s. */
      overload_retry_after: 5,
    },
    /** TCP connections (Kamailio's tcp_* parameters); excess connections are closed at once, counted in net.tcp_*. */
    tcp: {
      /** Open connections in all, over every TCP listener, inbound and outbound (Kamailio tcp_max_connections). */
      max_connections: 2048,
      /**
       * Inbound connections from one source address; 0 = no limit. An office of a few hundred
       * phones behind one NAT shares one address, one connection each (two with RFC 5626
       * outbound), while a single address cannot fill max_connections alone. (A load test with
       * one connection per call from one address, siptest/sipp -t tn, needs it raised.)
       */
      max_connections_per_ip: 512,
      /**
       * Seconds without traffic before a connection is closed (Kamailio tcp_connection_lifetime).
       * A connection with a live registration over it stays open until the registration expires.
       */
      idle_timeout: 120,
      /**
       * Seconds from a message's first byte to its last, and from accepting a connection to its
       * first byte; a slower peer (slowloris) is disconnected (Kamailio tcp_msg_read_timeout).
       */
      message_timeout: 20,
    },
    /**
     * SIP over TLS (listen tls:...). Files are PEM; relative paths are relative to the config
     * file. The connection limits of [tcp] hold for TLS connections too (counted together).
     */
    tls: {
      /** Default certificate (chain) of every TLS listener; required when one is configured. */
      certificate: '',
      /** Its private key (must match the certificate). */
      private_key: '',
      /** CA certificates that verify client certificates (verify_client) and servers (verify_server). */
      ca_list: '',
      /** Ask every client for a certificate and refuse those that do not verify against ca_list. */
      verify_client: false,
      /** Verify the certificates of TLS servers sipd connects to against ca_list (Kamailio's verify_certificate; off). */
      verify_server: false,
      /** Lowest TLS version accepted, both ways: "TLSv1.2" or "TLSv1.3". */
      min_version: 'TLSv1.2',
      /** Certificates per domain, chosen by the name the client asks for (SNI): [[tls.domain]] tables. */
      domain: [] as Array<{ server_name: string; certificate: string; private_key: string }>,
    },
    /**
     * SIP over WebSocket (RFC 7118; listen ws:... and wss:..., the transport of browser phones).
     * wss: listeners use the [tls] certificates; the connection limits of [tcp] hold for WebSocket
     * connections too (counted with TCP and TLS), tcp.message_timeout bounding the HTTP upgrade.
     */
    websocket: {
      /** HTTP path of the upgrade; other paths get 404, plain HTTP requests 426 Upgrade Required. */
      path: '/',
      /** Origins allowed to connect ("https://phone.example.com"); empty: every origin; others get 403. */
      allowed_origins: [] as string[],
      /** Seconds between WebSocket pings; a peer that misses one pong is disconnected (0 = no pings). */
      ping_interval: 30,
    },
    proxy: {
      /** "proxy" relays requests; "redirect" answers 302 with the registered contacts. */
      mode: 'proxy',
      record_route: true,
    },
    /** Calls to numbers starting with `prefix` need the caller in `group` (grp table), else 403. */
    acl: [] as Array<{ prefix: string; group: string }>,
    /** NAT media relay through rtpengine's ng protocol (Kamailio's rtpengine module). */
    rtpengine: {
      /**
       * rtpengine ng control sockets, "udp:IP:PORT" with an optional "=WEIGHT" (1 by default; new
       * calls are shared by weight; 0 = a spare, used only when no other answers). Empty = no media relay.
       */
      sockets: [] as string[],
      /**
       * When the default route relays media: "nat" = when the caller or the callee is behind NAT
       * (as nat_uac_test finds it), "always", or "off". Without sockets there is none.
       */
      mode: 'nat',
      /** ms to wait for rtpengine's reply before sending again (Kamailio rtpengine_tout_ms). */
      timeout_ms: 1000,
      /** Sends after the first before an instance counts as down (Kamailio rtpengine_retr). */
      retries: 2,
      /** Seconds between pings to an instance that is down; an answer brings it back (rtpengine_disable_tout). */
      disable_time: 60,
      /** rtpengine down or answering an error: "503" answers the call 503; "relay" relays it without media relay. */
      on_failure: '503',
      /**
       * Seconds after which a relayed call is deleted even though no BYE came (a phone gone):
       * Kamailio's dialog default_timeout. 0 = never (rtpengine's own --timeout still ends
       * calls without media, and sipd lets go of those at the next check).
       */
      max_call_time: 43200,
      /** Seconds between two checks (ng query) that rtpengine still has a call sipd relays. */
      check_time: 60,
    },
    logging: {
      level: 'info',
      /** Log file of `sipd start`; empty = <run_dir>/sipd.log. `sipd run` logs to stderr. */
      file: '',
      /** "json", "pretty", or "auto" (pretty on a terminal, JSON otherwise). */
      format: 'auto',
    },
    mgmt: {
      /** Unix socket path; empty = <run_dir>/sipd.sock. */
      socket: '',
      /** File mode of the socket; must not give access to others. */
      mode: 0o660 as number | string,
      /** Group to own the socket (needs root or membership); empty = the daemon's group. */
      group: '',
    },
  };
}

export type FileConfig = ReturnType<typeof defaultFileConfig>;
