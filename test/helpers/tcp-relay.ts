/**
 * A transparent TCP relay on 127.0.0.1 that records the source address and port of every
 * connection it accepts, then pipes the bytes both ways to a real server (sipp, siptest). Tests use
 * it to see where a client's connections come from without changing what the server receives.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  /** Source address and port of each accepted connection, in order. */
  peers: Array<{ address: string; port: number }>;
  close(): Promise<void>;
}

export async function tcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const peers: TcpRelay['peers'] = [];
  const open = new Set<Socket>();
  const server = createServer((down) => {
    peers.push({ address: down.remoteAddress ?? '', port: down.remotePort ?? 0 });
    const up = connect(target.port, target.host);
    for (const s of [down, up]) {
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        open.delete(s);
        (s === down ? up : down).destroy();
      });
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    peers,
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
