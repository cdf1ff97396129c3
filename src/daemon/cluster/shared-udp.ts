/**
 * The UDP listeners of a multi-process sipd (`workers = N`), bound once by the primary and served
 * by every worker through the batched addon (core/transport/native-udp.ts), as Kamailio's UDP
 * children all read one socket.
 *
 * Why not node:cluster's shared dgram socket (what the workers used before, and still use without
 * the addon): it gives each worker a dgram handle, so every datagram costs the per-message
 * allocations and callbacks the addon exists to avoid, and workers ran at dgram's cost while a
 * single sipd ran on the addon. Why not one SO_REUSEPORT socket per worker: the kernel then
 * spreads datagrams by the sender's address and port, so a trunk or a load generator sending from
 * one address:port lands on one worker however many there are; a shared socket is read by
 * whichever worker is free. It also keeps the port exclusive: a second sipd started on the same
 * port fails with EADDRINUSE instead of silently taking a share of the traffic.
 *
 * How: the primary binds each UDP listener (bindUdpFd) and forks the workers with the sockets as
 * extra stdio entries (child_process puts entry i at fd i in the child), naming them in an
 * environment variable; a worker's UDP listener adopts its fd (ListenSpec.fd). The primary keeps
 * its copies open, unread, so that a restarted worker gets the same sockets.
 */
import { closeSync } from 'node:fs';
import { isIP } from 'node:net';
import { bindUdpFd } from '../../core/index.js';
import { formatListen, type ListenSpec } from '../config/listen.js';
import { ListenError, skipsOptional } from '../transport.js';

/** Listener text (formatListen) → fd in the worker, as JSON. */
export const UDP_FDS_ENV = 'SIPKIT_WORKER_UDP_FDS';

/** The first fd number after stdin, stdout, stderr and the cluster's IPC channel. */
const FIRST_CHILD_FD = 4;

export class SharedUdpSockets {
  private constructor(
    /** The primary's fds, in the order of the children's extra stdio entries. */
    private readonly fds: number[],
    private readonly names: string[],
  ) {}

  /**
   * Binds every UDP listener with an IP address. None when the addon is unavailable (the workers
   * then bind through node:cluster). Throws ListenError like a worker's listen would.
   */
  static bind(listen: readonly ListenSpec[]): SharedUdpSockets {
    const fds: number[] = [];
    const names: string[] = [];
    try {
      for (const spec of listen) {
        if (spec.proto !== 'udp') continue;
        let fd: number | null;
        try {
          fd = bindUdpFd({ host: spec.host, port: spec.port, ipv6Only: isIP(spec.host) === 6 });
        } catch (e) {
          // Skipped as a worker's listen would skip it (the zero-config IPv6 listeners).
          if (skipsOptional(spec, e as Error)) continue;
          throw new ListenError(formatListen(spec), e as Error);
        }
        if (fd === null) continue;
        fds.push(fd);
        names.push(formatListen(spec));
      }
    } catch (e) {
      for (const fd of fds) closeSync(fd);
      throw e;
    }
    return new SharedUdpSockets(fds, names);
  }

  /** cluster.setupPrimary's stdio: the default (inherited stdio, IPC), then the sockets. */
  stdio(): Array<'inherit' | 'ipc' | number> {
    return ['inherit', 'inherit', 'inherit', 'ipc', ...this.fds];
  }

  /** The environment entry that tells a worker which fd serves which listener. */
  env(): Record<string, string> {
    const map: Record<string, number> = {};
    this.names.forEach((name, i) => (map[name] = FIRST_CHILD_FD + i));
    return { [UDP_FDS_ENV]: JSON.stringify(map) };
  }

  close(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}

/**
 * In a worker: the inherited sockets by listener text, read once from the environment (and
 * removed from it: nothing this process starts should take those fd numbers for sockets).
 */
export function inheritedUdpFds(): ReadonlyMap<string, number> {
  const raw = process.env[UDP_FDS_ENV];
  delete process.env[UDP_FDS_ENV];
  const map = new Map<string, number>();
  if (!raw) return map;
  for (const [name, fd] of Object.entries(JSON.parse(raw) as Record<string, unknown>))
    if (Number.isInteger(fd)) map.set(name, fd as number);
  return map;
}
