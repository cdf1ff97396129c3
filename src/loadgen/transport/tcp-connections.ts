/**
 * A stream run's connections (TCP, TLS, WebSocket): those accepted on the listening socket, the client's one connection
 * (-t t1) or its pool of ready per-call connections (-t tn, kept filled up to 16 in advance), and
 * what happens when one closes under running calls (they fail with FailedTcpClosed, as in SIPp).
 * Messages that arrive before the run exists are kept and replayed once it does.
 */
import type { Server } from 'node:net';
import type { Runtime } from '../engine/runtime.js';
import type { CallSocket, Peer } from '../engine/types.js';
import type { RunOptions } from '../options/run-options.js';
import { C } from '../stats/counters.js';
import { connectTcp, type StreamConn } from './tcp.js';
import { loadgenTls, type LoadgenTls } from './tls.js';
import { connectWs } from './ws.js';

export class TcpConnections {
  readonly all = new Set<StreamConn>();
  /** Messages received before `rt` was set. */
  readonly early: Array<[Buffer, Peer, CallSocket]> = [];
  rt: Runtime | undefined;
  server: Server | undefined;
  private mainConn: StreamConn | undefined;
  private readonly ready: StreamConn[] = [];
  private filling = 0;
  private localAddress: string | undefined;
  /** -t l1/ln, -t w1/wn -wss: the TLS settings of every connection (SIPp's -tls_* options) */
  readonly secure: LoadgenTls | undefined;
  /** -t w1/wn: WebSocket connections instead of TCP/TLS ones */
  readonly webSocket: boolean;

  constructor(
    private readonly o: RunOptions,
    private destination?: Peer,
  ) {
    this.secure = o.transport === 'tls' || o.transport === 'wss' ? loadgenTls(o) : undefined;
    this.webSocket = o.transport === 'ws' || o.transport === 'wss';
  }

  /** Open one client connection to `dest`. */
  private connect(
    dest: Peer,
    local: { address?: string | undefined; port?: number | undefined },
    perCall: boolean,
  ): Promise<StreamConn> {
    return this.webSocket
      ? connectWs(
          dest,
          local.address ? { address: local.address } : {},
          perCall,
          this.onMessage,
          this.o.wsPath ?? '/',
          this.secure,
        )
      : connectTcp(dest, local, perCall, this.onMessage, this.secure);
  }

  readonly onMessage = (buf: Buffer, from: Peer, s: CallSocket) =>
    this.rt ? this.rt.receive(buf, from, s) : this.early.push([buf, from, s]);

  private readonly onClose = (conn: StreamConn) => {
    this.all.delete(conn);
    const rt = this.rt;
    if (!rt || rt.done) return;
    for (const call of [...rt.calls.values()]) {
      if (call.socket !== conn || call.deleted) continue;
      // SIPp's tcpClose: a call in its final <timewait> ends successfully.
      call.terminate(C.FailedTcpClosed);
    }
    rt.kick();
  };

  /** Counts `c` among the run's connections and fails its calls when it closes. */
  track<C extends StreamConn>(c: C): C {
    c.onClose = this.onClose;
    this.all.add(c);
    return c;
  }

  setDestination(d: Peer | undefined): void {
    this.destination = d;
  }

  /** The address connections leave from (SIPp binds them to -i's address; undefined: any). */
  setLocalAddress(address: string): void {
    this.localAddress = address === '0.0.0.0' || address === '::' ? undefined : address;
  }

  /**
   * The client's connections: one (-t t1) or the pool (-t tn). SIPp binds -t t1's connection to
   * -p's port when -p is given, else to an ephemeral one, and -t tn's always to an ephemeral one.
   * `fixedPort`: the attempt from -p's port, made before the listener takes that port; if it
   * fails (the port is busy), the listener reports the bind error and the second call connects
   * from an ephemeral port, as SIPp does when its bind fails.
   */
  async connectClient(port: number, fixedPort: boolean): Promise<void> {
    const dest = this.destination;
    if (!dest || this.mainConn) return;
    if (this.o.multiSocket) {
      if (fixedPort) return;
      this.fill();
      for (let i = 0; i < 200 && this.ready.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
      return;
    }
    const local = { address: this.localAddress, port: fixedPort ? port : undefined };
    const attempt = this.connect(dest, local, false);
    const main = fixedPort ? await attempt.catch(() => undefined) : await attempt;
    if (!main) return;
    this.mainConn = this.track(main);
    main.onClose = (c) => {
      this.onClose(c);
      const rt = this.rt;
      if (rt && !rt.done && rt.calls.size + rt.stats.current > 0 && !rt.quitting)
        rt.warning('TCP connection closed by the remote side');
    };
  }

  private fill(): void {
    while (
      this.ready.length + this.filling < 16 &&
      this.all.size + this.filling < this.o.maxSocket &&
      this.destination
    ) {
      this.filling++;
      this.connect(this.destination, { address: this.localAddress }, true)
        .then((c) => this.ready.push(this.track(c)))
        .catch((e) => this.rt?.abortRun(e))
        .finally(() => this.filling--);
    }
  }

  /** The connection a new call sends on: the main one, or one from the pool (refilled). */
  socketForCall(): CallSocket | undefined {
    if (this.mainConn) return this.mainConn.closed ? undefined : this.mainConn;
    const c = this.ready.pop();
    this.fill();
    return c;
  }

  closeAll(): void {
    this.server?.close();
    for (const c of this.all) c.close();
  }
}
