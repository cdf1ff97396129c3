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
  type TLSSocket,
} from 'node:tls';
import type { ListenSpec } from './address.js';
import { TransportError } from './errors.js';
import { StreamTransport, type StreamOptions } from './stream-transport.js';

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
  private contexts: Contexts;
  private readonly verifyServer: boolean;
  private readonly minVersion: SecureVersion;

  private constructor(server: Server, spec: ListenSpec, opts: TlsOptions, contexts: Contexts) {
    super(server, spec, opts);
    this.contexts = contexts;
    this.verifyServer = opts.verifyServer ?? false;
    this.minVersion = opts.minVersion ?? 'TLSv1.2';
    // 'connection' is the TCP connection (before the handshake), 'secureConnection' its TLS socket.
    server.on('connection', (raw: Socket) => this.admit(raw));
    server.on('secureConnection', (s: TLSSocket) => this.accepted(s));
    server.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) => {
      if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') this.stats.slowCloses++;
      else this.stats.handshakeFailures++;
      // With a listener on this event Node leaves the socket open (a timed-out one forever).
      s.destroy();
    });
  }

  /** Listen for TLS on a TCP port (port 0 picks a free port). Throws when the certificate or key is unusable. */
  static async listen(spec: ListenSpec, opts: TlsOptions): Promise<TlsTransport> {
    const minVersion = opts.minVersion ?? 'TLSv1.2';
    let contexts: Contexts;
    try {
      contexts = buildContexts(opts.credentials, minVersion);
    } catch (e) {
      throw new TransportError('SIP_ERR_BAD_ADDRESS', `TLS certificate or key unusable: ${(e as Error).message}`);
    }
    const verify = opts.verifyClient ?? false;
    // The SNI callback reads the transport's current contexts (setCredentials replaces them).
    const ref: { t?: TlsTransport } = {};
    const server = createServer({
      ...contexts.serverOptions,
      requestCert: verify,
      rejectUnauthorized: verify,
      handshakeTimeout: opts.messageTimeout || NODE_HANDSHAKE_TIMEOUT,
      SNICallback: (name, cb) => cb(null, ref.t && contextForName(ref.t.contexts.byName, name)),
      noDelay: true,
    });
    await StreamTransport.bind(server, spec);
    ref.t = new TlsTransport(server, spec, opts, contexts);
    return ref.t;
  }

  /**
   * Replace the certificates (SIGHUP): new handshakes use them, established connections keep
   * theirs. Throws, changing nothing, when a certificate or key is unusable.
   */
  setCredentials(credentials: TlsCredentials): void {
    const next = buildContexts(credentials, this.minVersion);
    (this.server as Server).setSecureContext(next.serverOptions);
    this.contexts = next;
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
      secureContext: this.contexts.client,
      rejectUnauthorized: this.verifyServer,
      minVersion: this.minVersion,
    });
  }
}
