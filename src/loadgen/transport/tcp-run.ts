/**
 * A run over TCP or TLS: the listening socket, the client connection(s) and what happens when a
 * connection closes under running calls (they fail with FailedTcpClosed, as in SIPp).
 */
import type { AddressInfo } from 'node:net';
import { C } from '../stats/counters.js';
import { Logs } from '../engine/logs.js';
import { Runtime } from '../engine/runtime.js';
import { resolveAddressing } from '../engine/setup.js';
import type { CallSocket, Peer } from '../engine/types.js';
import type { RunOptions } from '../options/run-options.js';
import { Reporting } from '../reporting.js';
import { drive, type loadScenarios, type RunIo, type RunOnceExtras, type RunResult } from '../runner.js';
import { connectTcp, listenTcp, TcpConn } from './tcp.js';
import { loadgenTls } from './tls.js';

export async function runTcp(
  o: RunOptions,
  loaded: ReturnType<typeof loadScenarios>,
  io: RunIo,
  extras: RunOnceExtras,
): Promise<RunResult> {
  const { main, ooc, aa, injection } = loaded;
  const logs = new Logs(o, main.fileBase, extras.pid ?? process.pid);
  let rt: Runtime | undefined;
  const conns = new Set<TcpConn>();
  // Messages that arrive before the run exists are replayed once it does.
  const early: Array<[Buffer, Peer, CallSocket]> = [];
  const onMessage = (buf: Buffer, from: Peer, s: CallSocket) =>
    rt ? rt.receive(buf, from, s) : early.push([buf, from, s]);
  const onClose = (conn: TcpConn) => {
    conns.delete(conn);
    if (!rt || rt.done) return;
    for (const call of [...rt.calls.values()]) {
      if (call.socket !== conn || call.deleted) continue;
      // SIPp's tcpClose: a call in its final <timewait> ends successfully.
      call.terminate(C.FailedTcpClosed);
    }
    rt.kick();
  };
  const track = (c: TcpConn) => {
    c.onClose = onClose;
    conns.add(c);
    return c;
  };
  const secure = o.transport === 'tls' ? loadgenTls(o) : undefined;
  const provisional = await resolveAddressing(o, main.mode === 'client', 0);
  const family = provisional.local.ip.includes(':') ? '::' : '0.0.0.0';
  const server = await listenTcp(
    o.bindLocal ? provisional.local.ip : family,
    o.localPort,
    (sock) => track(new TcpConn(sock, false, onMessage)),
    secure,
  );
  const port = (server.address() as AddressInfo).port;
  const addressing = { ...provisional, local: { ...provisional.local, port } };
  let mainConn: TcpConn | undefined;
  const ready: TcpConn[] = [];
  let filling = 0;
  const fill = () => {
    while (ready.length + filling < 16 && conns.size + filling < o.maxSocket && addressing.destination) {
      filling++;
      connectTcp(addressing.destination, {}, true, onMessage, secure)
        .then((c) => ready.push(track(c)))
        .catch((e) => rt?.abortRun(e))
        .finally(() => filling--);
    }
  };
  const closeAll = () => {
    server.close();
    for (const c of conns) c.close();
  };
  try {
    if (main.mode === 'client' && addressing.destination) {
      if (!o.multiSocket) {
        mainConn = await connectTcp(
          addressing.destination,
          { port: o.localPort ? port : undefined },
          false,
          onMessage,
          secure,
        ).catch(() => connectTcp(addressing.destination!, {}, false, onMessage, secure));
        track(mainConn);
        mainConn.onClose = (c) => {
          onClose(c);
          if (rt && !rt.done && rt.calls.size + rt.stats.current > 0 && !rt.quitting)
            rt.warning('TCP connection closed by the remote side');
        };
      } else {
        fill();
        for (let i = 0; i < 200 && ready.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
      }
    }
    const reporting = new Reporting({
      tty: io.isTTY && !o.json && !extras.quiet,
      write: io.stdout,
      openSockets: () => conns.size + 1,
    });
    rt = new Runtime({
      opts: o,
      scenario: main,
      oocScenario: ooc,
      aaScenario: o.autoAnswer ? aa : undefined,
      addressing,
      injection,
      logs,
      hooks: {
        socketForCall: () => {
          if (mainConn) return mainConn.closed ? undefined : mainConn;
          const c = ready.pop();
          fill();
          return c;
        },
        onCycle: (now) => reporting.onCycle(now),
        rttSample: (stop, rtt, rtd) => reporting.rttSample(stop, rtt, rtd),
      },
      transportName: secure ? 'TLS' : 'TCP',
      numbering: extras,
    });
    return await drive(rt, early, reporting, o, io, extras, closeAll);
  } catch (err) {
    closeAll();
    logs.closeAll();
    throw err;
  }
}
