/**
 * sipd with `workers = 2` and TLS and WSS listeners (src/daemon/cluster/): node:cluster spreads
 * the accepted connections over the workers, so a phone's TLS or WSS connection lives in one of
 * them while calls to it are handled by whichever worker owns each Call-ID. Every call must reach
 * the phone over its one connection, and the management socket must show the connections and
 * listener counters of both workers (core.connections, core.listeners: sipctl ps --connections).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mgmtCall } from '../../../src/mgmt/client.js';
import type { ConnectionRow, ListenerRow } from '../../../src/mgmt/results.js';
import { openStore } from '../../../src/store/index.js';
import { runBin } from '../../helpers/run-cli.js';
import { alive, jsonOf, runSipd, tmpDirs, type StartJson } from '../../helpers/sipd.js';
import { TestUA, type ProxyAddress } from '../../helpers/test-ua.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';

const DOMAIN = 'sipkit.test';
const newDir = tmpDirs();

describe('sipd workers = 2 over TLS and WSS', { timeout: 180000 }, () => {
  let pki: TestPki;
  let dir: string;
  let pid: number;
  let socket: string;
  const ports: Record<string, number> = {};
  const uas: TestUA[] = [];
  let uaTls: { credentials: { cert: string; key: string } };

  const rpc = <T>(method: string, params?: unknown[]) => mgmtCall<T>(socket, method, params);
  const proxy = (protocol: ProxyAddress['protocol']): ProxyAddress => ({
    host: '127.0.0.1',
    port: ports[protocol.toLowerCase()]!,
    protocol,
  });
  const ua = async (user: string, protocol: ProxyAddress['protocol'], domain = DOMAIN) => {
    const tls = protocol === 'TLS' || protocol === 'WSS' ? { tls: uaTls } : {};
    const u = await TestUA.create({ user, password: `${user}-pw`, domain, proxy: proxy(protocol), ...tls });
    uas.push(u);
    return u;
  };

  before(async () => {
    pki = makePki();
    const server = pki.server('sip.example.com');
    const phone = pki.server('phone.example.com');
    uaTls = { credentials: { cert: pki.read(phone.cert), key: pki.read(phone.key) } };
    dir = newDir();
    const db = join(dir, 'sipd.db');
    const store = await openStore(`sqlite:${db}`, { schema: 'create' });
    for (const u of ['alice', 'bob']) await store.subscribers.add(u, DOMAIN, `${u}-pw`);
    await store.close();
    writeFileSync(
      join(dir, 'sipd.conf'),
      [
        `domains = ["${DOMAIN}"]`,
        `db_url = "sqlite:${db}"`,
        'workers = 2',
        '[timers]',
        'drain_ms = 2000',
        '[tls]',
        `certificate = "${server.cert}"`,
        `private_key = "${server.key}"`,
      ].join('\n'),
    );
    const flags = ['--config', join(dir, 'sipd.conf'), '--run-dir', join(dir, 'run'), '--data-dir', join(dir, 'data')];
    for (const l of ['udp', 'tls', 'wss']) flags.push('--listen', `${l}:127.0.0.1:0`);
    const started = await runSipd(['start', ...flags, '--json'], { dir, timeoutMs: 60000 });
    assert.equal(started.code, 0, started.stderr + started.stdout);
    const s = jsonOf<StartJson>(started).result;
    pid = s.pid;
    socket = s.socket;
    for (const l of s.listen) ports[l.split(':')[0]!] = Number(l.split(':').pop());
  });
  after(async () => {
    await Promise.all(uas.map((u) => u.close()));
    if (pid && alive(pid)) await runSipd(['stop', '--run-dir', join(dir, 'run')], { dir });
    pki?.cleanup();
  });

  for (const protocol of ['TLS', 'WSS'] as const) {
    test(`a phone registered over ${protocol} gets 20 calls handled by both workers, all on its one connection`, async () => {
      const callee = await ua(protocol === 'TLS' ? 'alice' : 'bob', protocol);
      assert.equal((await callee.register({ expires: 600 })).status, 200);
      // Strangers calling a local user need no credentials; 20 Call-IDs hash to both workers.
      const callers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => ua(`caller${protocol}${i}`, 'UDP', 'stranger.example')),
      );
      const calls = callers.map((c) => c.call(`sip:${callee.opts.user}@${DOMAIN}`));
      const finals = await Promise.all(calls.map((c) => c.final));
      assert.deepEqual(
        finals.map((r) => r.status),
        finals.map(() => 200),
      );
      await Promise.all(calls.map((c, i) => c.ack(finals[i]!)));
      const byes = await Promise.all(calls.map((c, i) => c.bye(finals[i]!)));
      assert.deepEqual(
        byes.map((r) => r.status),
        byes.map(() => 200),
      );
      assert.equal(callee.requests('INVITE').length, 20);
      assert.equal(new Set(callee.received.map((r) => r.source.connectionId)).size, 1, 'one connection');
      const handed = await rpc<Record<string, number>>('stats.fetch', ['cluster.handed_over']);
      assert.ok(handed['cluster.handed_over']! > 0, 'some messages went to the other worker');
    });
  }

  test('core.connections and core.listeners answer for both workers; sipctl ps --connections shows them', async () => {
    // Three more phones of alice's over TLS: the primary hands accepted connections to the
    // workers in turn (node:cluster round-robin), so both workers now hold some.
    for (let i = 0; i < 3; i++) assert.equal((await (await ua('alice', 'TLS')).register({ expires: 600 })).status, 200);
    const conns = await rpc<ConnectionRow[]>('core.connections');
    assert.deepEqual(conns.map((c) => c.proto).sort(), ['tls', 'tls', 'tls', 'tls', 'wss']);
    assert.equal(new Set(conns.map((c) => c.id % 64)).size, 2, 'connections of both workers (id % 64 = worker)');
    assert.ok(
      conns.every((c) => c.inbound && c.kept_ms > 0),
      JSON.stringify(conns),
    );
    const listeners = await rpc<ListenerRow[]>('core.listeners');
    assert.deepEqual(listeners.map((l) => l.proto).sort(), ['tls', 'udp', 'wss'], 'one row per listener');
    const tls = listeners.find((l) => l.proto === 'tls')!;
    assert.equal(tls.connections, 4);
    // REGISTER ×2 (challenge) and 20 × (INVITE, ACK, BYE) at least went out on alice's connection.
    assert.ok(tls.messages_out >= 60, JSON.stringify(tls));
    const ps = await runBin('sipctl', ['ps', '--connections', '--json', '--run-dir', join(dir, 'run')]);
    assert.equal(ps.status, 0, ps.stderr);
    const result = (JSON.parse(ps.stdout) as { result: { connections: ConnectionRow[] } }).result;
    assert.deepEqual(result.connections.map((c) => c.id).sort(), conns.map((c) => c.id).sort());
  });
});
