/**
 * The one message `sipd run` sends over its IPC channel to the `sipd start` (ctl) that spawned
 * it: ready with what it bound, or the start-up error with its code and exit code. Both ends
 * import it from here, so the controller needs nothing of the daemon.
 */

/** A bound listener as the daemon reports it (structurally its config's BoundAddress). */
export interface ListenerAddress {
  readonly proto: string;
  readonly host: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** What `sipd run` tells the `sipd start` that spawned it. */
export type ChildMessage =
  | { type: 'ready'; pid: number; listen: string[]; addresses: ListenerAddress[]; socket: string; pidFile: string }
  | { type: 'error'; message: string; code: string; exitCode: number; actions: string[] };
