/**
 * The TCP channel(s) between twin SIPp instances (SIPp 3.6.1 socket.cpp: connect_to_peer,
 * connect_local_twin_socket, connect_to_all_peers, and the accept of the twin listener).
 * - -3pcc: controller A connects to the twin address; controller B listens there and takes the
 *   connection it accepts (a later one replaces it) as its twin. Commands go both ways on it.
 * - extended 3PCC: each instance listens on its own -slave_cfg address and reads the commands of
 *   the instances that connect to it (at most 10); it sends on connections of its own, one per
 *   peer its sendCmds name: a master opens them at start, a slave once the master has connected.
 * Any of these connections closing ends the run (the caller decides how, as SIPp does).
 * Listeners bind the given address, where SIPp binds the port on every address.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { SippError } from '../errors.js';
import { CommandSplitter, frameCommand } from './framing.js';
import type { TwinAddress, TwinPlan } from './plan.js';
import type { TwinChannel } from '../engine/types.js';

/** SIPp's MAX_LOCAL_TWIN_SOCKETS. */
const MAX_LOCAL_TWINS = 10;
/** A twin that does not answer a connect within this time is an error (the connect is bounded). */
const CONNECT_TIMEOUT_MS = 10000;

export interface TwinEvents {
  /** A command arrived (its ESC removed). */
  command(text: string): void;
  /** A twin connection was closed by the other side or failed after it was up. */
  closed(): void;
  /** A fatal error after start-up (a slave's connect to its master, too many twins). */
  failed(err: SippError): void;
}

export class TwinLink implements TwinChannel {
  private server: Server | undefined;
  /** -3pcc: the one channel, connected (controller A) or accepted (controller B). */
  private twin: Socket | undefined;
  /** Extended 3PCC: the connections this instance sends on, by peer name. */
  private readonly outgoing = new Map<string, Socket>();
  /** Extended 3PCC: the connections other instances opened to this one. */
  private readonly incoming: Socket[] = [];
  private closing = false;

  private constructor(
    private readonly plan: TwinPlan,
    private readonly events: TwinEvents,
  ) {}

  /** Listen and/or connect as the role needs; resolves once the run can start. */
  static async open(plan: TwinPlan, events: TwinEvents): Promise<TwinLink> {
    const link = new TwinLink(plan, events);
    try {
      if (plan.listen) await link.listen(plan.listen);
      if (plan.role === 'controller-a' || plan.role === 'a-passive')
        link.twin = await link.connect(plan.peers.get('twin')!);
      else if (plan.role === 'master' || plan.role === 'master-passive') await link.connectPeers();
    } catch (err) {
      link.close();
      throw err;
    }
    return link;
  }

  /** Send one command (to `dest` in extended 3PCC); false when there is no channel to send on. */
  send(text: string, dest?: string): boolean {
    const sock = this.plan.extended ? this.outgoing.get(dest ?? '') : this.twin;
    if (!sock || sock.destroyed || !sock.writable) return false;
    sock.write(frameCommand(text));
    return true;
  }

  get extended(): boolean {
    return this.plan.extended;
  }

  get twinUp(): boolean {
    return this.twin !== undefined && !this.twin.destroyed;
  }

  /** Stop listening and close every connection (the end of the run). */
  close(): void {
    this.closing = true;
    this.server?.close();
    this.twin?.destroy();
    for (const s of this.outgoing.values()) s.destroy();
    for (const s of this.incoming) s.destroy();
  }

  get listenPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  private listen(at: TwinAddress): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((sock) => this.accepted(sock));
      server.once('error', (err) =>
        reject(new SippError(`Unable to bind twin sipp socket ${at.host}:${at.port}: ${err.message}`)),
      );
      server.listen({ host: at.host, port: at.port, backlog: 100 }, () => {
        server.on('error', (err) => this.events.failed(new SippError(`Twin sipp socket: ${err.message}`)));
        resolve();
      });
      this.server = server;
    });
  }

  private accepted(sock: Socket): void {
    if (this.closing) {
      sock.destroy();
      return;
    }
    if (!this.plan.extended) {
      // SIPp: twinSippSocket = accept(); the newest connection is the twin.
      this.twin = sock;
      this.watch(sock);
      return;
    }
    if (this.incoming.length === MAX_LOCAL_TWINS) {
      sock.destroy();
      this.events.failed(new SippError('Max number of twin instances reached'));
      return;
    }
    this.incoming.push(sock);
    this.watch(sock);
    if (this.plan.role === 'slave' && this.outgoing.size === 0)
      this.connectPeers().catch((err: unknown) =>
        this.events.failed(err instanceof SippError ? err : new SippError(String(err))),
      );
  }

  private async connectPeers(): Promise<void> {
    for (const [name, at] of this.plan.peers) this.outgoing.set(name, await this.connect(at));
  }

  private connect(at: TwinAddress): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = createConnection({ host: at.host, port: at.port });
      sock.setNoDelay(true);
      const fail = (why: string) => {
        sock.destroy();
        reject(new SippError(`Unable to connect a twin sipp socket to ${at.host}:${at.port}: ${why}`));
      };
      const timer = setTimeout(() => fail('timed out'), CONNECT_TIMEOUT_MS);
      sock.once('error', (err) => {
        clearTimeout(timer);
        fail(err.message);
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        this.watch(sock);
        resolve(sock);
      });
    });
  }

  /** Read commands from a connection; its end is the twin's end. */
  private watch(sock: Socket): void {
    sock.setNoDelay(true);
    const splitter = new CommandSplitter();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      sock.destroy();
      if (!this.closing) this.events.closed();
    };
    sock.on('data', (chunk: Buffer) => {
      let commands: string[];
      try {
        commands = splitter.push(chunk);
      } catch (err) {
        this.events.failed(new SippError((err as Error).message));
        return;
      }
      for (const c of commands) {
        if (this.closing) return;
        this.events.command(c);
      }
    });
    sock.on('error', end);
    sock.on('end', end);
    sock.on('close', end);
  }
}
