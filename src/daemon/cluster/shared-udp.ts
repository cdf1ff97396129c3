/**
 * The UDP listeners of a multi-process sipd (`workers = N`), bound once by the primary and handed
 * to the workers, who serve them through the batched addon (core/transport/native-udp.ts). Two
 * ways:
 *
 * - A shared socket (`worker_steering = "off"`, the default, and the fallback): one socket per
 *   listener read by every worker, as Kamailio's UDP children share one; the worker that reads a
 *   datagram it does not own hands it over (worker-transport.ts). node:cluster's shared dgram
 *   socket is not used: it costs every datagram the allocations and callbacks the addon exists
 *   to avoid.
 * - Kernel steering (`worker_steering = "call-id"`): per listener, one SO_REUSEPORT socket per
 *   worker, and an eBPF program on the group (native/callid_steer.c) that gives each datagram to
 *   the socket of worker FNV-1a(Call-ID) % N, the owner message-owner.ts computes. A request and
 *   its retransmissions, CANCEL, ACK and in-dialog requests, and the responses to what the owner
 *   relayed, are read by the worker that holds their transaction: nothing is handed over. Plain
 *   SO_REUSEPORT would not do: the kernel spreads by the sender's address and port, so a trunk or
 *   a load generator would land on one worker. Loading the program needs CAP_BPF (or root); the
 *   kernel verifies it in ~40 ms.
 *
 * Why shared is the default (issue 14, npm run bench -- sipd-kamailio --servers=sipd-steered,sipd
 * --workers=2, two workers on two cores shared with the load generators): steering cut the kernel
 * time per call by a fifth and the CPU per call by 6-10 %, but each worker then drains only its
 * own socket, and when one is off its core the others cannot take its datagrams: INVITE→200 p99
 * at half the highest rate rose from 16-20 ms to 164-224 ms, and the highest clean rates were
 * ~5 % lower. Steering is for workers that have cores of their own.
 *
 * The port stays exclusive either way: before binding a reuseport group, the primary binds the
 * address once without SO_REUSEPORT (which fails with EADDRINUSE if anything holds it, another
 * sipd's group included) and releases it; a second sipd on the same port fails as it would
 * without workers, instead of silently joining the group.
 *
 * How the sockets reach the workers: the primary forks each worker with its sockets as extra
 * stdio entries (child_process puts entry i at fd i in the child), naming them in an environment
 * variable; a worker's UDP listener adopts its fd (ListenSpec.fd). The primary keeps its copies
 * open, unread, so that a restarted worker gets the same sockets, and the group keeps its order
 * (the program's index i is the i-th socket bound). While a worker restarts, the datagrams
 * steered to it wait in its socket's buffer.
 */
import { closeSync } from 'node:fs';
import { isIP } from 'node:net';
import { bindUdpFd, steerUdpByCallId, udpFdPort } from '../../core/index.js';
import { formatListen, type ListenSpec } from '../config/listen.js';
import { ListenError, skipsOptional } from '../transport.js';

/** Listener text (formatListen) → fd in the worker, as JSON. */
export const UDP_FDS_ENV = 'SIPKIT_WORKER_UDP_FDS';

/** The first fd number after stdin, stdout, stderr and the cluster's IPC channel. */
const FIRST_CHILD_FD = 4;

/** How the workers' UDP listeners are read: steered by Call-ID in the kernel, or one shared socket. */
export type UdpSteering = 'call-id' | 'shared';

export interface SharedUdpOptions {
  workers: number;
  /** Try kernel steering (config worker_steering = "call-id"). */
  steer: boolean;
}

export class SharedUdpSockets {
  private constructor(
    /** fds[w]: worker w's fds, in the order of its extra stdio entries (all alike when shared). */
    private readonly fds: number[][],
    private readonly names: string[],
    readonly steering: UdpSteering,
    /** Why kernel steering is not used (the kernel's refusal), when it was tried. */
    readonly steeringError?: string,
  ) {}

  /**
   * Binds every UDP listener with an IP address. None when the addon is unavailable (the workers
   * then bind through node:cluster). Throws ListenError like a worker's listen would.
   */
  static bind(listen: readonly ListenSpec[], opts: SharedUdpOptions): SharedUdpSockets {
    // bindListener() gives null for a host name: each worker resolves that one, through dgram.
    const specs = listen.filter((s) => s.proto === 'udp');
    let why: string | undefined;
    if (opts.steer && opts.workers > 1 && specs.length > 0) {
      try {
        return SharedUdpSockets.bindSteered(specs, opts.workers);
      } catch (e) {
        if (e instanceof ListenError) throw e;
        why = (e as Error).message;
      }
    }
    const fds: number[] = [];
    const names: string[] = [];
    try {
      for (const spec of specs) {
        const fd = bindListener(spec, false);
        if (fd === null) continue;
        fds.push(fd);
        names.push(formatListen(spec));
      }
    } catch (e) {
      closeAll(fds);
      throw e;
    }
    const perWorker = Array.from({ length: Math.max(1, opts.workers) }, () => fds);
    return new SharedUdpSockets(perWorker, names, 'shared', why);
  }

  /** One SO_REUSEPORT socket per worker and listener, steered by Call-ID; throws when the kernel refuses. */
  private static bindSteered(specs: readonly ListenSpec[], workers: number): SharedUdpSockets {
    const fds: number[][] = Array.from({ length: workers }, () => []);
    const names: string[] = [];
    try {
      for (const spec of specs) {
        // The exclusive probe: fails if anything holds the address; gives port 0 its port.
        const probe = bindListener(spec, false);
        if (probe === null) continue;
        let port: number;
        try {
          port = udpFdPort(probe);
        } finally {
          closeSync(probe);
        }
        const bound = { ...spec, port };
        for (let w = 0; w < workers; w++) {
          const fd = bindListener(bound, true);
          if (fd === null) throw new ListenError(formatListen(spec), new Error('the address could not be bound again'));
          fds[w]!.push(fd);
        }
        steerUdpByCallId(fds[0]![fds[0]!.length - 1]!, workers);
        names.push(formatListen(spec));
      }
    } catch (e) {
      for (const list of fds) closeAll(list);
      throw e;
    }
    // Nothing bound here (no addon, or listeners named by host name): nothing is steered.
    if (names.length === 0) throw new Error('no UDP listener with an IP address bound through the batched UDP addon');
    return new SharedUdpSockets(fds, names, 'call-id');
  }

  /** cluster.setupPrimary's stdio for worker `index`: the default (inherited stdio, IPC), then its sockets. */
  stdio(index: number): Array<'inherit' | 'ipc' | number> {
    return ['inherit', 'inherit', 'inherit', 'ipc', ...(this.fds[index] ?? [])];
  }

  /** The environment entry that tells a worker which fd serves which listener. */
  env(): Record<string, string> {
    const map: Record<string, number> = {};
    this.names.forEach((name, i) => (map[name] = FIRST_CHILD_FD + i));
    return { [UDP_FDS_ENV]: JSON.stringify(map) };
  }

  close(): void {
    const seen = new Set<number>();
    for (const list of this.fds) for (const fd of list) seen.add(fd);
    this.fds.length = 0;
    closeAll([...seen]);
  }
}

/**
 * One bound socket for a listener, or null (no addon, or a host that is not an IP address).
 * Skips what a worker's listen would skip (the zero-config IPv6 listeners) by returning null.
 */
function bindListener(spec: ListenSpec, reusePort: boolean): number | null {
  try {
    return bindUdpFd({ host: spec.host, port: spec.port, ipv6Only: isIP(spec.host) === 6, reusePort });
  } catch (e) {
    if (skipsOptional(spec, e as Error)) return null;
    throw new ListenError(formatListen(spec), e as Error);
  }
}

function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) closeSync(fd);
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
