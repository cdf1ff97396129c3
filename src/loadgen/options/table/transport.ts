/** IP, port and protocol options (transport, addresses, ports, TLS; SCTP refused). */
import { usageError } from '../../errors.js';
import { splitHostPort } from '../values.js';
import { S, opt, flag, int, str, refuse, type OptionSpec } from './spec.js';

export const transportOptions: OptionSpec[] = [
  opt({
    name: 't',
    section: S.ip,
    arg: 'mode',
    help: 'Transport: u1 UDP one socket (default), un UDP one socket per call, t1 TCP one socket, tn TCP one socket per call, l1 TLS one socket, ln TLS one socket per call, w1 WebSocket one connection, wn WebSocket one connection per call (RFC 7118; secure with -wss).',
    kind: 'custom',
    apply: (o, [v]) => {
      if (v!.length !== 2) throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
      const [t, n] = [v![0], v![1]];
      if (t === 's') throw usageError('-t s1/sn: SCTP is not supported by siptest');
      if (t === 'c') throw usageError('-t c1/cn: the compression plugin is not supported by siptest');
      if (t !== 'u' && t !== 't' && t !== 'l' && t !== 'w')
        throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
      if (n === 'i') throw usageError('-t ui (one UDP socket per injected IP address) is not supported by siptest');
      if (n !== '1' && n !== 'n')
        throw usageError(`Invalid argument for -t param : '${v}'.\nUse 'siptest -h' for details`);
      o.transport = t === 'u' ? 'udp' : t === 't' ? 'tcp' : t === 'l' ? 'tls' : 'ws';
      o.multiSocket = n === 'n';
    },
  }),
  str(
    S.ip,
    'i',
    'Local IP address for Via, Contact and From ([local_ip]); the bind address with -bind_local.',
    (o, v) => {
      o.localIp = splitHostPort(v).host;
    },
  ),
  int(S.ip, 'p', 'Local SIP port. Default: the first free port from 5060 to 5119, then any free port.', (o, v) => {
    o.localPort = v;
  }),
  flag(S.ip, 'bind_local', 'Bind to the -i address instead of all addresses.', (o) => {
    o.bindLocal = true;
  }),
  str(S.ip, 'ci', 'Local IP address of the UDP control socket.', (o, v) => {
    o.controlIp = v;
  }),
  int(S.ip, 'cp', 'Port of the UDP control socket (default 8888; the next free one up to +60).', (o, v) => {
    o.controlPort = v;
  }),
  int(
    S.ip,
    'max_socket',
    'Most sockets open at once in the per-call modes (default 50000); then sockets are shared.',
    (o, v) => {
      o.maxSocket = v;
    },
  ),
  refuse(S.ip, 'max_reconnect', 1, 'TCP reconnection is not implemented'),
  refuse(S.ip, 'reconnect_close', 1, 'TCP reconnection is not implemented'),
  refuse(S.ip, 'reconnect_sleep', 1, 'TCP reconnection is not implemented'),
  str(
    S.ip,
    'rsa',
    'Send every message to host:port (an outbound proxy); the Request-URI keeps the remote host.',
    (o, v) => {
      o.remoteSendingAddress = v;
    },
  ),
  str(
    S.ip,
    'tls_cert',
    'TLS certificate (PEM) for -t l1/ln, ours as server and client. Default: cacert.pem.',
    (o, v) => {
      o.tlsCert = v;
    },
  ),
  str(S.ip, 'tls_key', 'Private key (PEM) of -tls_cert. Default: cakey.pem.', (o, v) => {
    o.tlsKey = v;
  }),
  str(
    S.ip,
    'tls_ca',
    "CA certificates (PEM) that the peer's certificate must verify against (default: no verification).",
    (o, v) => {
      o.tlsCa = v;
    },
  ),
  str(S.ip, 'tls_version', 'TLS version to use: 1.0, 1.1, 1.2 or 1.3 (default: 1.2 or higher).', (o, v) => {
    o.tlsVersion = v;
  }),
  flag(S.ip, 'wss', 'With -t w1/wn: secure WebSocket (WSS) with the -tls_* certificate, key, CA and version.', (o) => {
    o.secureWebSocket = true;
  }),
  str(S.ip, 'ws_path', 'HTTP path of the WebSocket upgrade for -t w1/wn (default "/").', (o, v) => {
    if (!v.startsWith('/')) throw usageError(`-ws_path: expected a path starting with '/', not '${v}'`);
    o.wsPath = v;
  }),
  refuse(S.ip, 'tls_crl', 1, 'certificate revocation lists are not supported'),
  ...['multihome', 'heartbeat', 'assocmaxret', 'pathmaxret', 'pmtu', 'gracefulclose'].map((n) =>
    refuse(S.ip, n, 1, 'SCTP is not supported'),
  ),
];
