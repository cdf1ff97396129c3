/**
 * SIP over TLS (RFC 3261 §26.2, §18): the stream transport of tcp.ts over Node's `tls` sockets;
 * framing, connection reuse and the limits are shared (stream-transport.ts). Via token "TLS",
 * default port 5061 (address.ts).
 *
 * - Inbound: a connection is counted against the caps when its TCP connection arrives, before
 *   the handshake; the handshake must finish within `messageTimeout` (a silent peer is a slow
 *   one: slowCloses) and a failed one (garbage, a plain-text SIP message, a protocol version
 *   below `minVersion`, a client certificate that does not verify) closes the connection
 *   (handshakeFailures). After the handshake the connection is a TCP one.
 * - Certificates: a default one, and per server name for SNI (RFC 6066 §3: a client names the
 *   domain it wants; one listener serves several domains). `setCredentials` swaps them on a
 *   running listener: new handshakes use the new ones, established connections keep theirs.
 * - Outbound (requests to `sips:` and `;transport=tls` targets, responses whose connection has
 *   closed): the listener's certificate is offered as the client certificate (the peer may ask
 *   for it: mutual TLS between servers); the server's certificate is verified against `ca` only
 *   when `verifyServer` is set, since phones and many peers present self-signed certificates
 *   (Kamailio's verify_certificate defaults to no likewise).
 */
import { isIP, type Socket } from 'node:net';
import {
  connect,
  createSecureContext,
  type ConnectionOptions,
  createServer,
  type SecureContext,
  type SecureContextOptions,
  type SecureVersion,
  type Server,
  type TlsOptions as TlsServerOptions,
  type TLSSocket,
} from 'node:tls';
import type { ListenSpec } from './address.js';
import { TransportError } from './errors.js';
import type { StreamOptions } from './connection-transport.js';
import { bindServer, StreamTransport } from './stream-transport.js';
import type { TransportStats } from './types.js';

/** PEM text or bytes. */
export type Pem = string | Buffer;

export interface TlsCredentials {
  /** The default certificate (chain), PEM; served when the client names no server or an unknown one. */
  cert: Pem;
  /** Its private key, PEM. */
  key: Pem;
  /** CA certificates that verify peers (client certificates with verifyClient; servers with verifyServer). */
  ca?: Pem | undefined;
  /** Certificates per server name (SNI): `sip.example.com`, or `*.example.com` for one label. */
  servers?: ReadonlyArray<{ serverName: string; cert: Pem; key: Pem }>;
}

export interface TlsOptions extends StreamOptions {
  credentials: TlsCredentials;
  /** Ask clients for a certificate and close connections whose certificate does not verify against `ca` (default false). */
  verifyClient?: boolean;
  /** Verify the certificate of servers we connect to against `ca` (default false). */
  verifyServer?: boolean;
  /** Lowest protocol version accepted, both ways (default TLSv1.2). */
  minVersion?: SecureVersion;
}

/** Handshake deadline when messageTimeout is 0 (no deadline asked for): Node's own default. */
const NODE_HANDSHAKE_TIMEOUT = 120_000;

/** The secure contexts built from a set of credentials (throws when a key does not match its certificate). */
interface Contexts {
  /** Options of the default server context (setSecureContext takes options, not a context). */
  serverOptions: SecureContextOptions;
  /** Lower-cased server name or `*.domain` → context. */
  byName: Map<string, SecureContext>;
  client: SecureContext;
}

function buildContexts(c: TlsCredentials, minVersion: SecureVersion): Contexts {
  const serverOptions: SecureContextOptions = { cert: c.cert, key: c.key, ca: c.ca, minVersion };
  const byName = new Map<string, SecureContext>();
  for (const s of c.servers ?? [])
    byName.set(s.serverName.toLowerCase(), createSecureContext({ cert: s.cert, key: s.key, ca: c.ca, minVersion }));
  // Building the default context here too checks its key against its certificate before anything is swapped.
  const client = createSecureContext(serverOptions);
  return { serverOptions, byName, client };
}

/**
 * The certificates of one TLS server (a tls: listener, or the https server of a wss: one): the
 * options to create it with (default certificate, SNI by name, client verification, handshake
 * deadline), the client context for connections it opens, and the swap on reload.
 */
export class TlsServerCredentials {
  private contexts: Contexts;
  readonly minVersion: SecureVersion;

  /** Throws SIP_ERR_BAD_ADDRESS when a certificate or key is unusable. */
  constructor(private readonly opts: TlsOptions) {
    this.minVersion = opts.minVersion ?? 'TLSv1.2';
    try {
      this.contexts = buildContexts(opts.credentials, this.minVersion);
    } catch (e) {
      throw new TransportError('SIP_ERR_BAD_ADDRESS', `TLS certificate or key unusable: ${(e as Error).message}`);
    }
  }

  /** Options for tls.createServer / https.createServer. */
  serverOptions(): TlsServerOptions {
    const verify = this.opts.verifyClient ?? false;
    return {
      ...this.contexts.serverOptions,
      requestCert: verify,
      rejectUnauthorized: verify,
      handshakeTimeout: this.opts.messageTimeout || NODE_HANDSHAKE_TIMEOUT,
      // Reads the current contexts (swap replaces them).
      SNICallback: (name, cb) => cb(null, contextForName(this.contexts.byName, name)),
    };
  }

  /** The context of connections we open (our certificate offered as the client certificate). */
  get client(): SecureContext {
    return this.contexts.client;
  }

  /**
   * Replace the certificates of `server` (SIGHUP): new handshakes use them, established
   * connections keep theirs. Throws, changing nothing, when a certificate or key is unusable.
   */
  swap(server: Server, credentials: TlsCredentials): void {
    const next = buildContexts(credentials, this.minVersion);
    server.setSecureContext(next.serverOptions);
    this.contexts = next;
  }
}

/** The context for an SNI name: an exact entry, else `*.` + the name without its first label. */
export function contextForName<T>(byName: ReadonlyMap<string, T>, serverName: string): T | undefined {
  const name = serverName.toLowerCase();
  const exact = byName.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  return dot > 0 ? byName.get('*' + name.slice(dot)) : undefined;
}

export class TlsTransport extends StreamTransport {
  readonly protocol = 'TLS';
  protected readonly connectEvent = 'secureConnect';
  private readonly verifyServer: boolean;

  private constructor(
    server: Server,
    spec: ListenSpec,
    opts: TlsOptions,
    private readonly credentials: TlsServerCredentials,
  ) {
    super(server, spec, opts);
    this.verifyServer = opts.verifyServer ?? false;
    // 'connection' is the TCP connection (before the handshake), 'secureConnection' its TLS socket.
    server.on('connection', (raw: Socket) => this.admit(raw));
    server.on('secureConnection', (s: TLSSocket) => this.accepted(s));
    server.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) =>
      countHandshakeFailure(this.stats, err, s),
    );
  }

  /** Listen for TLS on a TCP port (port 0 picks a free port). Throws when the certificate or key is unusable. */
  static async listen(spec: ListenSpec, opts: TlsOptions): Promise<TlsTransport> {
    const credentials = new TlsServerCredentials(opts);
    const server = createServer({ ...credentials.serverOptions(), noDelay: true });
    await bindServer(server, spec);
    return new TlsTransport(server, spec, opts, credentials);
  }

  /**
   * Replace the certificates (SIGHUP): new handshakes use them, established connections keep
   * theirs. Throws, changing nothing, when a certificate or key is unusable.
   */
  setCredentials(credentials: TlsCredentials): void {
    this.credentials.swap(this.server as Server, credentials);
  }

  protected connectSocket(host: string, port: number, localAddress: string | undefined, serverName?: string): Socket {
    // `family` and `localAddress` go through to the TCP connect (tls.connect passes its options
    // on; its type omits them).
    const tcp: ConnectionOptions = { host, port, ...{ family: this.family, localAddress } };
    return connect({
      ...tcp,
      // SNI carries host names only (RFC 6066 §3), never an IP literal: the name the target was
      // resolved from, else the host when it is a name. Node checks the server's certificate
      // against it too (with verifyServer).
      servername: serverName ?? (isIP(host) === 0 ? host : undefined),
      secureContext: this.credentials.client,
      rejectUnauthorized: this.verifyServer,
      minVersion: this.credentials.minVersion,
    });
  }
}

/**
 * A TLS handshake that failed (garbage, plain text, an old version, a bad client certificate)
 * or timed out, counted in `stats`; the socket is destroyed (with a listener on tlsClientError
 * Node leaves it open, a timed-out one forever).
 */
export function countHandshakeFailure(stats: TransportStats, err: NodeJS.ErrnoException, s: Socket): void {
  if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') stats.slowCloses++;
  else stats.handshakeFailures++;
  s.destroy();
}
