/**
 * A loopback SO_REUSEPORT group with sipd's Call-ID steering attached (native/callid_steer.c),
 * made the way the primary makes one: what the steering tests need, and how they tell whether
 * this machine can run it at all (the addon built, CAP_BPF or root).
 */
import { closeSync } from 'node:fs';
import { bindUdpFd, steerUdpByCallId, udpFdPort } from '../../src/core/index.js';

export interface SteeredGroup {
  /** The group's sockets in bind order: socket i gets what hashes to i. */
  fds: number[];
  port: number;
}

/** `workers` steered sockets on one 127.0.0.1 port, or why they cannot be made here. */
export function steeredUdpGroup(workers: number): SteeredGroup | string {
  const fds: number[] = [];
  try {
    const first = bindUdpFd({ host: '127.0.0.1', port: 0, reusePort: true });
    if (first === null) return 'the batched UDP addon is not built';
    fds.push(first);
    const port = udpFdPort(first);
    for (let i = 1; i < workers; i++) fds.push(bindUdpFd({ host: '127.0.0.1', port, reusePort: true })!);
    steerUdpByCallId(first, workers);
    return { fds, port };
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    return `the kernel refuses Call-ID steering here: ${(e as Error).message}`;
  }
}
