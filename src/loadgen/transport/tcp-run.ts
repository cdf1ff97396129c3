/**
 * A run over TCP, TLS (-t l1/ln) or WebSocket (-t w1/wn, -wss): the listening socket, the client connection(s)
 * (tcp-connections.ts), and the Runtime over them.
 */
import type { AddressInfo } from 'node:net';
import { Logs } from '../engine/logs.js';
import { bindAddress, openMediaSockets, resolveAddressing } from '../engine/setup.js';
import type { MediaSockets } from '../media/media-sockets.js';
import type { RunOptions } from '../options/run-options.js';
import { Reporting } from '../reporting.js';
import type { RunIo, RunResult } from '../run-io.js';
import { drive, newRuntime, type RunOnceExtras } from '../run-once.js';
import type { loadScenarios } from '../runner.js';
import { listenTcp, TcpConn } from './tcp.js';
import { TcpConnections } from './tcp-connections.js';
import { listenWs } from './ws.js';

export async function runTcp(
  o: RunOptions,
  loaded: ReturnType<typeof loadScenarios>,
  io: RunIo,
  extras: RunOnceExtras,
): Promise<RunResult> {
  const { main, ooc } = loaded;
  const logs = new Logs(o, main.fileBase, extras.pid ?? process.pid);
  const conns = new TcpConnections(o);
  const provisional = await resolveAddressing(o, main.mode === 'client', 0);
  const address = bindAddress(o, provisional.local.ip);
  conns.setDestination(provisional.destination);
  conns.setLocalAddress(address);
  let rtp: MediaSockets | undefined;
  try {
    // -t t1 -p: SIPp connects from -p's port before its main socket listens on it (Linux refuses
    // to bind a port that has a listener, even with SO_REUSEADDR, but lets a listener join).
    // SIPp connects tcp_multiplex when sendMode is not server (3PCC controller B included).
    const client = main.sendMode === 'client';
    if (client && o.localPort) await conns.connectClient(o.localPort, true);
    conns.server = conns.webSocket
      ? await listenWs(address, o.localPort, o.wsPath ?? '/', (c) => conns.track(c), conns.onMessage, conns.secure)
      : await listenTcp(
          address,
          o.localPort,
          (sock) => conns.track(new TcpConn(sock, false, conns.onMessage)),
          conns.secure,
        );
    const port = (conns.server.address() as AddressInfo).port;
    const addressing = { ...provisional, local: { ...provisional.local, port } };
    rtp = await openMediaSockets(o, [main, ooc], addressing);
    if (client) await conns.connectClient(port, false);
    const reporting = new Reporting({
      // A getter: io.isTTY reads process.stdout, which a run needs at its first screen only.
      get tty() {
        return io.isTTY && !o.json && !extras.quiet;
      },
      write: io.stdout,
      openSockets: () => conns.all.size + 1,
    });
    const parts = { addressing, logs, reporting, extras, rtp };
    const rt = newRuntime(o, loaded, parts, () => conns.socketForCall(), transportNameOf(o.transport));
    conns.rt = rt;
    return await drive(rt, conns.early, reporting, o, io, extras, () => {
      conns.closeAll();
      rtp?.close();
    });
  } catch (err) {
    conns.closeAll();
    rtp?.close();
    logs.closeAll();
    throw err;
  }
}

/** The Via token of a stream run. */
function transportNameOf(t: RunOptions['transport']): 'TCP' | 'TLS' | 'WS' | 'WSS' {
  return t === 'udp' ? 'TCP' : (t.toUpperCase() as 'TCP' | 'TLS' | 'WS' | 'WSS');
}
