/**
 * The SipdServer library in process: binding (real ports for port 0), the module hook order, the
 * idempotent stop, roll-back of a failed start, the drain deadline, stale and live sockets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { mgmtCall } from '../../../src/mgmt/client.js';
import type { SipdModule } from '../../../src/daemon/module.js';
import { SipdServer } from '../../../src/daemon/server.js';
import { ListenError } from '../../../src/daemon/transport.js';
import { cleanup, testConfig, tmpDir, until } from '../../helpers/sipd.js';

const dirs: string[] = [];
const servers: SipdServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  dirs.forEach(cleanup);
});

function newServer(opts: { modules?: SipdModule[]; configText?: string; listen?: string[] } = {}): SipdServer {
  const dir = tmpDir();
  dirs.push(dir);
  const s = new SipdServer({ config: testConfig(dir, opts), modules: opts.modules });
  servers.push(s);
  return s;
}

describe('SipdServer', () => {
  test('start() resolves with every listener bound on a real port and the socket up', async (t) => {
    const s = newServer();
    const seen: string[] = [];
    s.on('state', (st) => seen.push(st));
    await s.start();
    assert.equal(s.state, 'running');
    assert.deepEqual(seen, ['starting', 'running']);
    assert.deepEqual(
      s.addresses.map((a) => [a.proto, a.host]),
      [
        ['udp', '127.0.0.1'],
        ['tcp', '127.0.0.1'],
      ],
    );
    for (const a of s.addresses) assert.ok(a.port > 0, `real port for ${a.proto}`);
    assert.equal(statSync(s.mgmtSocket).mode & 0o777, 0o660, 'socket mode 0660');

    // The listeners are the core transport layer: a request arrives over UDP and over TCP, parsed,
    // with its source, and the net.* statistics count it.
    const got: string[] = [];
    s.transportLayer.user = {
      onMessage: (msg, src) => void got.push(`${src.protocol} ${msg.isRequest ? msg.method : ''}`),
    };
    const options = (branch: string) =>
      [
        'OPTIONS sip:sipd@127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${branch}`,
        'Max-Forwards: 70',
        'From: <sip:t@127.0.0.1>;tag=1',
        'To: <sip:sipd@127.0.0.1>',
        `Call-ID: ${branch}@test`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const udp = createSocket('udp4');
    t.after(() => udp.close());
    udp.send(options('u1'), s.addresses[0].port, '127.0.0.1');
    const tcp = connect(s.addresses[1].port, '127.0.0.1', () => tcp.write(options('t1')));
    t.after(() => tcp.destroy());
    await until(() => got.length === 2, 'two requests', 5000);
    assert.deepEqual(got.sort(), ['TCP OPTIONS', 'UDP OPTIONS']);
    const net = await mgmtCall<Record<string, number>>(s.mgmtSocket, 'stats.fetch', ['net:']);
    assert.equal(net['net.messages_in'], 2);
    assert.equal(net['net.tcp_connections'], 1);

    const socks = await mgmtCall<Array<{ listen: string; port: number }>>(s.mgmtSocket, 'core.sockets_list');
    assert.deepEqual(
      socks.map((x) => x.port),
      s.addresses.map((a) => a.port),
    );
  });

  test('modules: hooks run in the documented order, stop() is idempotent and closes everything', async () => {
    const order: string[] = [];
    const mod = (name: string): SipdModule => ({
      name,
      init: (ctx) => {
        order.push(`init ${name}`);
        ctx.rpc.register({ name: `${name}.ping`, help: 'pong', handler: () => `${name} pong` });
        ctx.stats.counter(name, 'pings');
      },
      ready: (ctx) => {
        order.push(`ready ${name} (${ctx.server.addresses.length} listeners)`);
      },
      drain: (ctx) => {
        order.push(`drain ${name} accepting=${ctx.server.accepting}`);
      },
      close: () => {
        order.push(`close ${name}`);
      },
    });
    const s = newServer({ modules: [mod('usrloc'), mod('registrar')] });
    await s.start();
    assert.equal(await mgmtCall(s.mgmtSocket, 'registrar.ping'), 'registrar pong');
    assert.deepEqual(await mgmtCall(s.mgmtSocket, 'stats.fetch', ['usrloc.pings']), { 'usrloc.pings': 0 });
    const sock = s.mgmtSocket;
    const p1 = s.stop();
    const p2 = s.stop();
    assert.equal(p1, p2, 'the same promise');
    await p1;
    await s.stopped;
    assert.equal(s.state, 'stopped');
    assert.deepEqual(order, [
      'init usrloc',
      'init registrar',
      'ready usrloc (2 listeners)',
      'ready registrar (2 listeners)',
      'drain registrar accepting=false',
      'drain usrloc accepting=false',
      'close registrar',
      'close usrloc',
    ]);
    assert.ok(!existsSync(sock), 'management socket removed');
    await s.stop(); // still fine
  });

  test('IPv6 listeners: tcp:[::1]:0 is bound and reported with its real port', async (t) => {
    const s = newServer({ listen: ['udp:[::1]:0', 'tcp:[::1]:0'] });
    try {
      await s.start();
    } catch (e) {
      if (/address not available|EADDRNOTAVAIL|EAFNOSUPPORT/.test(String(e))) return t.skip('no IPv6 loopback here');
      throw e;
    }
    const socks = await mgmtCall<Array<{ listen: string; family: string; port: number }>>(
      s.mgmtSocket,
      'core.sockets_list',
    );
    assert.deepEqual(
      socks.map((x) => x.family),
      ['IPv6', 'IPv6'],
    );
    for (const x of socks) assert.match(x.listen, new RegExp(`^(udp|tcp):\\[::1\\]:${x.port}$`));
    assert.ok(socks.every((x) => x.port > 0));
  });

  test('a custom transport factory (the core transport later) is used, stopped, then closed before module close', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const events: string[] = [];
    const s = new SipdServer({
      config: testConfig(dir),
      modules: [{ name: 'm', close: () => void events.push('module close') }],
      transport: (ctx) => ({
        listen: async (specs) => {
          events.push(`listen ${specs.length} (stats: ${'core.rcv_requests' in ctx.stats.fetch()})`);
          return specs.map((l, i) => ({ proto: l.proto, host: l.host, port: 40000 + i, family: 'IPv4' as const }));
        },
        stopAccepting: () => void events.push('stop accepting'),
        close: async () => void events.push('transport close'),
      }),
    });
    servers.push(s);
    await s.start();
    assert.deepEqual(
      s.addresses.map((a) => a.port),
      [40000, 40001],
    );
    await s.stop();
    assert.deepEqual(events, ['listen 2 (stats: true)', 'stop accepting', 'transport close', 'module close']);
  });

  test('stop() before start() resolves', async () => {
    const s = newServer();
    await s.stop();
    assert.equal(s.state, 'stopped');
  });

  test('a failed start rolls back: bound sockets closed, initialised modules closed, error names the address', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
    const port = blocker.address().port;
    try {
      const closed: string[] = [];
      const s = newServer({
        listen: ['tcp:127.0.0.1:0', `udp:127.0.0.1:${port}`],
        modules: [{ name: 'store', close: () => void closed.push('store') }],
      });
      await assert.rejects(s.start(), (e: unknown) => {
        assert.ok(e instanceof ListenError);
        assert.match(e.message, new RegExp(`cannot listen on udp:127.0.0.1:${port}: address already in use`));
        return true;
      });
      assert.equal(s.state, 'failed');
      assert.deepEqual(closed, ['store']);
      assert.ok(!existsSync(s.mgmtSocket));
      await s.stopped;
    } finally {
      blocker.close();
    }
  });

  test('draining ends at timers.drain_ms even if a module never finishes', async () => {
    let aborted = false;
    const s = newServer({
      configText: '[timers]\ndrain_ms = 200\n',
      modules: [
        {
          name: 'tm',
          drain: (ctx) =>
            new Promise<void>((r) => {
              ctx.signal.addEventListener('abort', () => {
                aborted = true;
                r();
              });
            }),
        },
      ],
    });
    await s.start();
    const t0 = Date.now();
    await s.stop();
    const took = Date.now() - t0;
    assert.ok(aborted, 'the drain hook saw the abort');
    assert.ok(took >= 150 && took < 5000, `stopped after ${took} ms`);
  });

  test('mgmt.mode is applied to the socket', async () => {
    const s = newServer({ configText: '[mgmt]\nmode = 0o600\n' });
    await s.start();
    assert.equal(statSync(s.mgmtSocket).mode & 0o777, 0o600);
  });

  test('a live management socket (another sipd) is refused; a stale one from a crash is replaced', async () => {
    const a = newServer();
    await a.start();
    const b = new SipdServer({ config: a.config });
    await assert.rejects(
      b.start(),
      (e: unknown) =>
        e instanceof CliError && e.exitCode === ExitCode.STATE && /another sipd is serving/.test(e.message),
    );
    await a.stop();

    // A process that dies by SIGKILL leaves its socket file behind.
    const path = a.mgmtSocket;
    const crashed = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
    ]);
    await new Promise((r) => crashed.stdout.once('data', r));
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('exit', r));
    assert.ok(existsSync(path), 'stale socket file left behind');
    const c = new SipdServer({ config: a.config });
    servers.push(c);
    await c.start();
    assert.deepEqual(await mgmtCall(c.mgmtSocket, 'core.ps').then((x) => (x as unknown[]).length), 1);
  });

  test('core.shutdown answers, then stops the server', async () => {
    const s = newServer();
    await s.start();
    const r = await mgmtCall<{ stopping: boolean }>(s.mgmtSocket, 'core.shutdown');
    assert.equal(r.stopping, true);
    await until(() => s.state === 'stopped', 'server stopped', 5000);
  });
});
