/**
 * sipctl's daemon and runtime commands through the built bin, against a sipd on SQLite started
 * and stopped with sipctl itself: start/status/stop/restart (the same behaviour as sipd's), ps,
 * uptime, stats, rpc, ul show/add/rm/online, monitor and ping; and what each says when sipd is
 * not running (exit 5 naming `sipctl start`, or 6 for status).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { mgmtCall } from '../../../src/mgmt/client.js';
import { processState } from '../../../src/shared/pid-file.js';
import { hostPort, SipctlBox, type SipdStarted } from '../../helpers/sipctl.js';

/** A stand-in for sipd's management socket: one JSON-RPC line in, `answer(request)` out. */
async function fakeMgmt(path: string, answer: (req: { id: number; method: string; params?: unknown }) => object) {
  const srv = createServer((c) => {
    let buf = '';
    c.on('data', (d) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const req = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        c.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...answer(req) }) + '\n');
      }
    });
  });
  await new Promise<void>((r) => srv.listen(path, () => r()));
  return { path, close: () => new Promise((r) => srv.close(r)) };
}

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-rt-');
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
});

interface UlDump {
  aors: Array<{ aor: string; contacts: Array<{ address: string; expires: number | null; q: number }> }>;
}

describe('sipctl runtime commands', { timeout: 240_000 }, () => {
  let started: SipdStarted;

  test('without sipd: runtime commands exit 5 naming `sipctl start`; status 6; writes still work', async () => {
    const st = await box.run(['status', '--json']);
    assert.equal(st.status, ExitCode.STATE);
    assert.equal(st.json<{ running: boolean }>().result.running, false);
    assert.equal((await box.run(['status'])).status, ExitCode.STATE);
    for (const args of [['ul', 'show'], ['ps'], ['uptime'], ['stats'], ['rpc', 'core.uptime'], ['domain', 'reload']]) {
      await box.fails(args, ExitCode.UNREACHABLE, {
        code: 'NOT_RUNNING',
        message: /is it running\? try `sipctl start`/,
      });
    }
    await box.fails(['monitor', '--count', '1'], ExitCode.UNREACHABLE, { code: 'NOT_RUNNING' });
    const add = await box.json<{ reloaded: boolean; reloadNote: string }>(['add', 'alice', '--password-stdin'], {
      input: 'alice-pw\n',
    });
    assert.equal(add.reloaded, false, 'sipd not running is not an error');
    assert.match(add.reloadNote, /not running/);
    const human = await box.ok(['add', 'bob', 'bob-pw']);
    assert.match(human.stdout, /sipd is not running: it reads the change when it starts/);
    const domains = await box.json<{ served: null }>(['domain', 'show']);
    assert.equal(domains.served, null);
    const stop = await box.ok(['stop']);
    assert.match(stop.stdout, /sipd is not running/);
  });

  test('a write whose reload fails (sipd answers an error) says the change was made, with the exit code', async () => {
    const fake = await fakeMgmt(join(box.dir, 'fake-err.sock'), () => ({
      error: { code: -32000, message: 'Failed', data: { reason: 'database is locked' } },
    }));
    try {
      // Run once per output mode (a second add of the same user would be a conflict).
      const human = await box.run(['add', 'zed', 'pw', '--socket', fake.path]);
      assert.equal(human.status, ExitCode.FAILED, human.stderr);
      assert.match(
        human.stderr,
        /the database was changed, but sipd could not be told to reload: .*database is locked/,
      );
      assert.match(human.stderr, /reload it once sipd is reachable: sipctl rpc cache\.reload/);
      const json = await box.run(['add', 'zoe', 'pw', '--socket', fake.path, '--json']);
      assert.equal(json.status, ExitCode.FAILED);
      assert.equal(json.json().status, ExitCode.FAILED);
      assert.match(json.json().error!.message, /^the database was changed/);
    } finally {
      await fake.close();
    }
    for (const u of ['zed', 'zoe']) {
      assert.equal((await box.json<{ subscribers: unknown[] }>(['show', u])).subscribers.length, 1, `${u} was added`);
      await box.ok(['rm', u, '--yes']);
    }
  });

  test('start: ready with its addresses, passes sipctl’s run and data dirs; a second start is exit 6', async () => {
    started = await box.start(['--domain', 'example.com']);
    assert.equal(processState(started.pid), 'alive');
    assert.equal(started.socket, box.socket, 'sipd uses the socket sipctl is configured for');
    assert.match(started.listen[0], /^udp:127\.0\.0\.1:\d+$/);
    await box.fails(['start', '--config', `${box.dir}/sipd.conf`, '--listen', 'udp:127.0.0.1:0'], ExitCode.STATE, {
      message: /already running/,
    });
    const st = await box.run(['status', '--json']);
    assert.equal(st.status, 0);
    const s = st.json<{ running: boolean; pid: number; listen: string[]; domains: string[] }>().result;
    assert.deepEqual([s.running, s.pid, s.listen], [true, started.pid, started.listen]);
    const human = await box.ok(['status']);
    assert.match(human.stdout, new RegExp(`^sipd is running \\(pid ${started.pid}\\)$`, 'm'));
    assert.match(human.stdout, /^ {2}registrations {2}0 \(0 users\)$/m);
  });

  test('ps, uptime, stats', async () => {
    const ps = await box.json<{ processes: Array<{ pid: number; description: string }> }>(['ps']);
    assert.equal(ps.processes[0].pid, started.pid);
    assert.match((await box.ok(['ps'])).stdout, new RegExp(`^\\s+0\\s+${started.pid}\\s+sipd main process`, 'm'));
    const up = await box.json<{ uptime: number; started_ms: number }>(['uptime']);
    assert.ok(up.uptime >= 0 && up.started_ms > 0);
    assert.match((await box.ok(['uptime'])).stdout, /^uptime:\s+\d+s \(\d+ s\)$/m);
    const all = await box.json<{ stats: Record<string, number> }>(['stats']);
    assert.equal(typeof all.stats['core.rcv_requests'], 'number');
    const some = await box.json<{ stats: Record<string, number> }>(['stats', 'usrloc']);
    assert.deepEqual(Object.keys(some.stats).sort(), ['usrloc.registered_contacts', 'usrloc.registered_users']);
    const two = await box.json<{ stats: Record<string, number> }>(['stats', 'core.rcv_requests', 'tm:']);
    assert.ok('core.rcv_requests' in two.stats && 'tm.uas_transactions' in two.stats);
    assert.match((await box.ok(['stats', 'usrloc'])).stdout, /^usrloc\.registered_users\s+0$/m);
    await box.fails(['stats', 'nosuchgroup'], ExitCode.NOT_FOUND);
  });

  test('rpc: results as JSON, --params-json, sipd errors keep their exit codes', async () => {
    const help = await box.json<string>(['rpc', 'system.methodHelp', 'ul.add']);
    assert.match(help, /^ul\.add aor contact \[expires\] \[q\]/);
    const methods = await box.json<string[]>(['rpc', 'system.listMethods']);
    assert.ok(methods.includes('ul.dump') && methods.includes('cache.reload'));
    await box.ok(['rpc', 'ul.add', 'carol@example.com', 'sip:carol@127.0.0.1:5071', '30']);
    await box.ok([
      'rpc',
      'ul.add',
      '--params-json',
      '{"aor":"carol@example.com","contact":"sip:carol@127.0.0.1:5073","expires":0,"q":0.2}',
    ]);
    const dump = await mgmtCall<UlDump>(box.socket, 'ul.lookup', ['carol@example.com']);
    assert.deepEqual(
      (dump as unknown as UlDump['aors'][0]).contacts.map((c) => [
        c.address,
        c.expires === null ? 'permanent' : 'timed',
      ]),
      [
        ['sip:carol@127.0.0.1:5071', 'timed'],
        ['sip:carol@127.0.0.1:5073', 'permanent'],
      ],
    );
    const human = await box.ok(['rpc', 'stats.fetch', 'usrloc:']);
    assert.deepEqual(JSON.parse(human.stdout), { 'usrloc.registered_contacts': 2, 'usrloc.registered_users': 1 });
    await box.fails(['rpc', 'no.such_method'], ExitCode.USAGE, { code: 'RPC_METHOD_NOT_FOUND' });
    await box.fails(['rpc', 'notamethod'], ExitCode.USAGE);
    await box.fails(['rpc', 'ul.lookup', 'nobody@example.com'], ExitCode.NOT_FOUND);
    await box.fails(['rpc', 'core.uptime', '--params-json', '{oops'], ExitCode.USAGE, { message: /not JSON/ });
    await box.ok(['rpc', 'ul.rm', 'carol@example.com']);
  });

  test('rpc sends kamctl-typed parameters on the wire (a fake management socket records them)', async () => {
    const seen: unknown[] = [];
    const fake = await fakeMgmt(join(box.dir, 'fake.sock'), (req) => {
      seen.push(req);
      return { result: { echoed: req.params ?? null } };
    });
    const path = fake.path;
    try {
      const r = await box.json<{ echoed: unknown }>([
        'rpc',
        'x.echo',
        '30',
        's:30',
        'i:7',
        'abc',
        '-1.5',
        '1e3',
        'sip:a@b',
        '--socket',
        path,
      ]);
      assert.deepEqual(r.echoed, [30, '30', 7, 'abc', -1.5, 1000, 'sip:a@b']);
      const named = await box.json<{ echoed: unknown }>([
        'rpc',
        'x.echo',
        '--params-json',
        '{"aor":"a@b","expires":0}',
        '--socket',
        path,
      ]);
      assert.deepEqual(named.echoed, { aor: 'a@b', expires: 0 });
      const none = await box.json<{ echoed: unknown }>(['rpc', 'x.echo', '--socket', path]);
      assert.equal(none.echoed, null, 'no params member without parameters');
      await box.fails(['rpc', 'x.echo', 'i:abc', '--socket', path], ExitCode.USAGE, { message: /needs an integer/ });
      await box.fails(['rpc', 'x.echo', 'a', '--params-json', '[1]', '--socket', path], ExitCode.USAGE);
      assert.equal(seen.length, 3, 'usage errors never reach the socket');
    } finally {
      await fake.close();
    }
  });

  test('ul add/show/rm/online: sipd’s location service, table columns, exit 3 for nothing to remove', async () => {
    const add = await box.json<{ aor: string; contact: { address: string; expires: number; transport: string } }>([
      'ul',
      'add',
      'alice',
      'sip:alice@192.0.2.10:5060',
      '3600',
    ]);
    assert.equal(add.aor, 'alice@example.com');
    assert.ok(add.contact.expires > 3590 && add.contact.expires <= 3600);
    await box.ok(['ul', 'add', 'alice@example.com', 'sip:alice@192.0.2.11:5070;transport=tcp', '--q', '0.5']);
    await box.fails(['ul', 'add', 'alice', 'mailto:alice@example.com'], ExitCode.USAGE, {
      message: /sip: or sips: URI/,
    });
    await box.fails(['ul', 'add', 'alice', 'sip:alice@192.0.2.12', 'soon'], ExitCode.USAGE);
    await box.fails(['ul', 'add', 'alice', 'sip:alice@192.0.2.12', '--q', '2'], ExitCode.USAGE);

    const dump = await mgmtCall<UlDump>(box.socket, 'ul.dump');
    const alice = dump.aors.find((a) => a.aor === 'alice@example.com')!;
    assert.deepEqual(
      alice.contacts.map((c) => [c.address, c.q]),
      [
        ['sip:alice@192.0.2.10:5060', 1],
        ['sip:alice@192.0.2.11:5070;transport=tcp', 0.5],
      ],
    );

    const table = await box.ok(['ul', 'show']);
    assert.match(table.stdout, /^AOR\s+CONTACT\s+EXPIRES IN\s+Q\s+RECEIVED\s+TRANSPORT\s+USER AGENT$/m);
    assert.match(
      table.stdout,
      /^alice@example\.com\s+sip:alice@192\.0\.2\.10:5060\s+\d+ s\s+1\.00\s+-\s+udp\s+sipctl$/m,
    );
    assert.match(
      table.stdout,
      /^alice@example\.com\s+sip:alice@192\.0\.2\.11:5070;transport=tcp\s+permanent\s+0\.50\s+-\s+tcp\s+sipctl$/m,
    );
    const one = await box.json<{ aors: Array<{ aor: string; contacts: Array<{ transport: string }> }> }>([
      'ul',
      'show',
      'alice',
    ]);
    assert.equal(one.aors.length, 1);
    assert.deepEqual(
      one.aors[0].contacts.map((c) => c.transport),
      ['udp', 'tcp'],
    );
    await box.fails(['ul', 'show', 'bob'], ExitCode.NOT_FOUND, { code: 'NOT_REGISTERED' });
    const brief = await box.json<{ aors: Array<{ aor: string }> }>(['ul', 'show', '--brief']);
    assert.deepEqual(brief.aors, [{ aor: 'alice@example.com' }]);
    const online = await box.ok(['online']);
    assert.equal(online.stdout, 'alice@example.com\n');
    assert.deepEqual(await box.json(['ul', 'online']), { aors: ['alice@example.com'] });

    const rmOne = await box.json<{ contact: string; removed: number }>([
      'ul',
      'rm',
      'alice',
      'sip:alice@192.0.2.11:5070;transport=tcp',
    ]);
    assert.deepEqual([rmOne.contact, rmOne.removed], ['sip:alice@192.0.2.11:5070;transport=tcp', 1]);
    await box.fails(['ul', 'rm', 'alice', 'sip:alice@192.0.2.99'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_CONTACT' });
    const rmAll = await box.json<{ contact: null; removed: number }>(['ul', 'rm', 'alice']);
    assert.equal(rmAll.removed, 1);
    assert.deepEqual((await mgmtCall<UlDump>(box.socket, 'ul.dump')).aors, []);
    await box.fails(['ul', 'rm', 'alice'], ExitCode.NOT_FOUND, { code: 'NOT_REGISTERED' });
  });

  test('ping: 200 over UDP and TCP, 1 for a non-2xx reply and for no answer, 2 for a bad URI', async () => {
    const udp = hostPort(started.listen[0]);
    const tcp = hostPort(started.listen[1]);
    const ok = await box.json<{
      code: number;
      reason: string;
      rttMs: number;
      target: { protocol: string; port: number };
    }>(['ping', `sip:${udp.host}:${udp.port}`]);
    assert.deepEqual([ok.code, ok.reason, ok.target.protocol, ok.target.port], [200, 'OK', 'udp', udp.port]);
    assert.ok(ok.rttMs > 0 && ok.rttMs < 5000);
    const human = await box.ok(['ping', `${udp.host}:${udp.port}`]);
    assert.match(
      human.stdout,
      new RegExp(`^200 OK from sip:127\\.0\\.0\\.1:${udp.port} \\(udp 127\\.0\\.0\\.1:${udp.port}\\) in [\\d.]+ ms`),
    );
    const overTcp = await box.json<{ code: number; target: { protocol: string } }>([
      'ping',
      `sip:${tcp.host}:${tcp.port};transport=tcp`,
    ]);
    assert.deepEqual([overTcp.code, overTcp.target.protocol], [200, 'tcp']);

    // An unknown local user: a final non-2xx reply is exit 1, with the reply in the JSON result.
    const uri = `sip:nobody@example.com:${udp.port};maddr=127.0.0.1`;
    const bad = await box.run(['ping', uri, '--json']);
    assert.equal(bad.status, ExitCode.FAILED);
    const env = bad.json<{ code: number; reason: string }>();
    assert.equal(env.status, ExitCode.FAILED);
    assert.ok(env.result.code >= 300, `got ${env.result.code}`);
    const badHuman = await box.run(['ping', uri]);
    assert.equal(badHuman.status, ExitCode.FAILED);
    assert.match(badHuman.stdout, new RegExp(`^${env.result.code} ${env.result.reason} from`));

    // Nothing answers: exit 1 with NO_ANSWER after --timeout.
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const t0 = Date.now();
      await box.fails(['ping', `sip:127.0.0.1:${silent.address().port}`, '--timeout', '1'], ExitCode.FAILED, {
        code: 'NO_ANSWER',
        message: /no answer from .* within 1 s/,
      });
      assert.ok(Date.now() - t0 < 15_000);
    } finally {
      silent.close();
    }
    // TCP refused.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const closedPort = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    await box.fails(['ping', `sip:127.0.0.1:${closedPort};transport=tcp`], ExitCode.FAILED, {
      code: 'TRANSPORT_ERROR',
    });
    await box.fails(['ping', 'sips:127.0.0.1'], ExitCode.USAGE);
    await box.fails(['ping', 'sip:'], ExitCode.USAGE);
  });

  test('monitor without a terminal: one line or one JSON object per sample, bounded by --count', async () => {
    const lines = await box.ok(['monitor', '--count', '2', '--interval', '1']);
    const out = lines.stdout.trimEnd().split('\n');
    assert.equal(out.length, 2);
    for (const l of out) assert.match(l, /^\d{4}-\d\d-\d\dT\S+Z uptime=\d+ core\.rcv_requests=\d+/);
    assert.match(out[1], /core\.rcv_requests=\d+\(\+[\d.]+\/s\)/, 'rates from the second sample on');
    assert.match(out[0], / usrloc\.registered_contacts=\d+ /);

    const json = await box.run(['monitor', '--count', '2', '--interval', '1', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const docs = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(docs.length, 3, 'two samples and the envelope, one line each');
    assert.ok(docs[0].stats['core.rcv_requests'] >= 3, 'the pings above were counted');
    assert.deepEqual(docs[0].rates, {});
    assert.equal(typeof docs[1].rates['core.rcv_requests'], 'number');
    assert.deepEqual(docs[2], { status: 0, result: { samples: 2 } });
  });

  test('restart gives a new sipd; stop waits until it is gone; then status is 6', async () => {
    const r = await box.json<{ stopped: { pid: number }; started: SipdStarted }>(
      ['restart', '--config', `${box.dir}/sipd.conf`, '--listen', 'udp:127.0.0.1:0'],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.stopped.pid, started.pid);
    assert.notEqual(r.started.pid, started.pid);
    assert.notEqual(processState(started.pid), 'alive');
    const stop = await box.json<{ wasRunning: boolean; pid: number }>(['stop'], { timeoutMs: 60_000 });
    assert.deepEqual([stop.wasRunning, stop.pid], [true, r.started.pid]);
    assert.notEqual(processState(r.started.pid), 'alive', 'stop returned after the process exited');
    assert.equal((await box.run(['status'])).status, ExitCode.STATE);
  });
});
