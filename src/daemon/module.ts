/**
 * How sipd's parts plug into the server (registrar, proxy, location store, NAT pinger, …). A module
 * is an object with a name and optional hooks; the server calls them in a fixed order:
 *
 *   start():  transport created → init (registration order) → SIP listeners bind
 *             → ready (registration order)
 *             → management socket opens → "running"
 *   stop():   stop accepting (server.accepting = false) → drain (reverse order, all within
 *             timers.drain_ms) → SIP sockets close → management socket closes
 *             → close (reverse order) → "stopped"
 *
 * `init` is where a module opens its store, loads caches, creates its statistics, registers
 * its RPC methods and attaches to `ctx.server.transportLayer` (the core TransportLayer; nothing
 * is bound yet, so no message can arrive before the module is ready for it). A throwing `init` or `ready` aborts start(): the modules already initialised
 * get `close` (reverse order) and start() rejects with the error.
 */
import type { SipdConfig } from './config/load.js';
import type { Logger } from './log.js';
import type { MethodRegistry } from './mgmt/registry.js';
import type { SipdServer } from './server.js';
import type { StatsRegistry } from './stats.js';

export interface ModuleContext {
  readonly config: SipdConfig;
  /** A child logger with `{module: <name>}`. */
  readonly log: Logger;
  readonly stats: StatsRegistry;
  readonly rpc: MethodRegistry;
  readonly server: SipdServer;
}

export interface DrainContext extends ModuleContext {
  /** Epoch ms by which draining must end; the server stops waiting then anyway. */
  readonly deadline: number;
  /** Aborted at the deadline. */
  readonly signal: AbortSignal;
}

export interface SipdModule {
  /** Short lower-case name (`registrar`, `usrloc`); also the logger binding. */
  readonly name: string;
  init?(ctx: ModuleContext): void | Promise<void>;
  /** Listeners are bound (ctx.server.addresses is known); the management socket is not open yet. */
  ready?(ctx: ModuleContext): void | Promise<void>;
  /** New work is refused (503); finish what is in flight: pending transactions, queued writes. */
  drain?(ctx: DrainContext): void | Promise<void>;
  /** Release resources: flush and close stores, clear timers. Must not throw for a half-started module. */
  close?(ctx: ModuleContext): void | Promise<void>;
}
