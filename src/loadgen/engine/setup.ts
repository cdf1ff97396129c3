/**
 * Addresses and sockets of a run (SIPp's open_connections): the remote target and -rsa, the local
 * IP ([local_ip]) and port (-p, else the first free port from 5060 to 5119, else any), the media
 * address, and the UDP sockets (-t u1 shared, -t un one per call).
 */
import { isIP } from '../../core/grammar/ip.js';
import { nodeDgram, nodeDnsPromises, nodeOs } from '../../core/lazy-builtins.js';
import { SippError, SippExit } from '../errors.js';
import { MediaSockets } from '../media/media-sockets.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';
import { splitHostPort } from '../options/values.js';
import { UdpSocket, type DatagramHandler } from '../transport/udp.js';
import type { Addressing } from './runtime-options.js';
import type { CallSocket, Peer } from './types.js';

const escape = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
const ipType = (ip: string): '4' | '6' => (ip.includes(':') ? '6' : '4');

async function resolve(host: string, family?: 4 | 6): Promise<string> {
  if (isIP(host)) return host;
  try {
    return (await nodeDnsPromises().lookup(host, family ? { family } : {})).address;
  } catch {
    throw new SippError(`Unknown remote host '${host}'.\nUse 'siptest -h' for details`);
  }
}

/** The local address the kernel would use to reach `remote` (SIPp's connected-UDP trick). */
async function localAddressFor(remote: string): Promise<string> {
  const sock = nodeDgram().createSocket(remote.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((res, rej) => {
      sock.once('error', rej);
      sock.connect(9, remote, () => res());
    });
    return sock.address().address;
  } catch {
    throw new SippError('Failed to find our local ip');
  } finally {
    sock.close();
  }
}

export async function resolveAddressing(o: RunOptions, needRemote: boolean, boundPort: number): Promise<Addressing> {
  let remote: Addressing['remote'];
  if (o.remoteHost) {
    const hp = splitHostPort(o.remoteHost);
    const ip = await resolve(hp.host);
    remote = { host: hp.host, ip, ipEscaped: escape(ip), port: hp.port || 5060 };
  } else if (needRemote)
    throw new SippError(
      'Missing remote host parameter. This scenario requires it',
      SippExit.FATAL,
      undefined,
      'give the target first: siptest 127.0.0.1:5060 -sn uac',
    );
  let localIp = o.localIp;
  if (!localIp) {
    if (remote) localIp = await localAddressFor(remote.ip);
    else {
      try {
        localIp = (await nodeDnsPromises().lookup(nodeOs().hostname(), { family: 4 })).address;
      } catch {
        localIp = '127.0.0.1';
      }
    }
  } else if (!isIP(localIp)) localIp = await resolve(localIp);
  let destination: Peer | undefined = remote ? { address: remote.ip, port: remote.port } : undefined;
  if (o.remoteSendingAddress) {
    const hp = splitHostPort(o.remoteSendingAddress);
    destination = { address: await resolve(hp.host), port: hp.port || 5060 };
  }
  const mediaIp = o.mediaIp ?? localIp;
  return {
    local: { ip: localIp, ipEscaped: escape(localIp), port: boundPort, ipType: ipType(localIp) },
    remote,
    media: { ip: mediaIp, ipType: ipType(mediaIp), port: o.mediaPort },
    destination,
  };
}

/**
 * The address SIPp's main socket and its TCP client connections bind to (open_connections): the
 * -i address when one is given (or the local IP with -bind_local), else the wildcard. So a UAS
 * started with -i listens on that address only, and a client's connections leave from it.
 */
export function bindAddress(o: RunOptions, localIp: string): string {
  if (o.localIp !== undefined || o.bindLocal) return localIp;
  return localIp.includes(':') ? '::' : '0.0.0.0';
}

/** Bind the main UDP socket: -p, else 5060..5119, else an ephemeral port. */
export async function openMainUdp(
  o: RunOptions,
  localIp: string,
  onMessage: DatagramHandler,
  watchQueue = false,
): Promise<UdpSocket> {
  const family = localIp.includes(':') ? 6 : 4;
  const address = bindAddress(o, localIp);
  const opts = { perCall: false, bufferSize: o.bufferSize, watchQueue };
  if (o.localPort) return UdpSocket.open(family, address, o.localPort, onMessage, opts);
  for (let port = 5060; port < 5120; port++) {
    try {
      return await UdpSocket.open(family, address, port, onMessage, opts);
    } catch {
      /* try the next one */
    }
  }
  return UdpSocket.open(family, address, 0, onMessage, opts);
}

/**
 * -t un: a pool of bound sockets, refilled in the background, so a new call always finds one with
 * its port known ([local_port]). Past -max_socket, calls share the open sockets.
 */
export class UdpCallSocketPool {
  private readonly ready: UdpSocket[] = [];
  private readonly shared: UdpSocket[] = [];
  private open = 0;
  private filling = 0;
  private rr = 0;

  constructor(
    private readonly o: RunOptions,
    private readonly localIp: string,
    private readonly onMessage: DatagramHandler,
    private readonly target = 32,
  ) {}

  async prefill(): Promise<void> {
    await Promise.all(Array.from({ length: this.target }, () => this.addOne()));
  }

  private async addOne(): Promise<void> {
    if (this.open + this.filling >= this.o.maxSocket) return;
    this.filling++;
    try {
      const family = this.localIp.includes(':') ? 6 : 4;
      // SIPp binds per-call UDP sockets to the local IP even without -i (local_addr_storage).
      const s = await UdpSocket.open(family, this.localIp, 0, this.onMessage, { perCall: true });
      const origClose = s.close.bind(s);
      s.close = () => {
        if (!s.closed) this.open--;
        origClose();
      };
      this.open++;
      this.ready.push(s);
    } finally {
      this.filling--;
    }
  }

  take(): CallSocket | undefined {
    const s = this.ready.pop();
    if (this.ready.length + this.filling < this.target) void this.addOne().catch(() => {});
    if (s) {
      if (this.open >= this.o.maxSocket) this.shared.push(s);
      return s;
    }
    if (this.shared.length) return this.shared[this.rr++ % this.shared.length];
    return undefined;
  }

  closeAll(): void {
    for (const s of this.ready) s.close();
    for (const s of this.shared) s.close();
  }
}

/**
 * The run's RTP sockets when it needs them (a media action in a scenario, or -rtp_echo), bound
 * as SIPp binds them; [media_port] then names the port actually bound. SIPp 3.6.1 binds them in
 * every run; siptest only when something uses them, so signalling-only runs hold no media port.
 */
export async function openMediaSockets(
  o: RunOptions,
  scenarios: Array<Scenario | undefined>,
  addressing: Addressing,
): Promise<MediaSockets | undefined> {
  if (!o.rtpEcho && !scenarios.some((s) => s?.hasMedia)) return undefined;
  const rtp = await MediaSockets.open({
    ip: addressing.media.ip,
    port: o.mediaPort,
    fixed: o.mediaPortSet,
    maxPort: o.maxRtpPort,
    echo: o.rtpEcho,
    echoBufSize: o.mediaBufSize,
    bufferSize: o.rtpBuffSize,
  });
  addressing.media.port = rtp.port;
  return rtp;
}
