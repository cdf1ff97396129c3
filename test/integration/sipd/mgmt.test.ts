/**
 * The management socket on the wire (newline-delimited JSON-RPC 2.0) and the client library's
 * errors: not running, permission denied, timeout, and errors answered by sipd.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { MgmtClient, RpcCallError, mgmtCall } from '../../../src/mgmt/client.js';
import { RpcErrorCode } from '../../../src/mgmt/protocol.js';
import { SipdServer } from '../../../src/daemon/server.js';
import { repoRoot } from '../../helpers/fixtures.js';
import { cleanup, testConfig, tmpDir } from '../../helpers/sipd.js';

const dir = tmpDir();
let server: SipdServer;
before(async () => {
  server = new SipdServer({ config: testConfig(dir) });
  await server.start();
});
after(async () => {
  await server.stop();
  cleanup(dir);
});

/** Sends raw bytes, collects reply lines until `lines` arrived (or 3 s). */
function raw(chunks: string[], lines: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const s = connect(server.mgmtSocket);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve(
        buf
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
    }, 3000);
    s.on('data', (d) => {
      buf += d;
      const got = buf.split('\n').filter(Boolean);
      if (got.length >= lines && buf.endsWith('\n')) {
        clearTimeout(timer);
        s.destroy();
        resolve(got.map((l) => JSON.parse(l)));
      }
    });
    s.on('error', reject);
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}

describe('management socket protocol', () => {
  test('one JSON text per line; several per chunk and one split over chunks', async () => {
    const replies = (await raw(
      [
        '{"jsonrpc":"2.0","method":"core.uptime","id":1}\n{"jsonrpc":"2.0","meth',
        'od":"system.listMethods","id":2}\r\n',
      ],
      2,
    )) as Array<{ id: number; result: unknown }>;
    assert.deepEqual(
      replies.map((r) => r.id),
      [1, 2],
    );
    const up = replies[0].result as Record<string, unknown>;
    assert.deepEqual(Object.keys(up).sort(), ['now', 'now_ms', 'started_ms', 'up_since', 'uptime', 'uptime_ms']);
    assert.match(up.now as string, /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, 'ctime format');
    assert.equal(typeof up.uptime, 'number');
    for (const m of [
      'core.version',
      'core.uptime',
      'core.ps',
      'system.listMethods',
      'system.methodHelp',
      'stats.fetch',
    ]) {
      assert.ok((replies[1].result as string[]).includes(m), m);
    }
  });

  test('parse error, unknown method, bad params: standard codes with data.reason', async () => {
    const replies = (await raw(
      [
        '{this is not json\n',
        '{"jsonrpc":"2.0","method":"no.such","id":"a"}\n',
        '{"jsonrpc":"2.0","method":"system.methodHelp","params":[1,2],"id":"b"}\n',
        '{"jsonrpc":"2.0","method":"stats.fetch","params":{"colour":"red"},"id":"c"}\n',
        '{"method":"core.ps","id":"d"}\n',
      ],
      5,
    )) as Array<{ id: unknown; error: { code: number; message: string; data: { reason: string } } }>;
    assert.deepEqual(
      replies.map((r) => [r.id, r.error.code, r.error.message]),
      [
        [null, RpcErrorCode.PARSE_ERROR, 'Parse error'],
        ['a', RpcErrorCode.METHOD_NOT_FOUND, 'Method not found'],
        ['b', RpcErrorCode.INVALID_PARAMS, 'Invalid params'],
        ['c', RpcErrorCode.INVALID_PARAMS, 'Invalid params'],
        ['d', RpcErrorCode.INVALID_REQUEST, 'Invalid Request'],
      ],
    );
    assert.match(replies[0].error.data.reason, /invalid JSON/);
    assert.match(replies[1].error.data.reason, /no method 'no.such'/);
    assert.match(replies[2].error.data.reason, /takes at most 1 params, got 2/);
    assert.match(replies[3].error.data.reason, /no param 'colour'/);
  });

  test('notifications get no reply; a batch gets one array', async () => {
    const replies = (await raw(
      [
        '{"jsonrpc":"2.0","method":"stats.reset"}\n',
        '[{"jsonrpc":"2.0","method":"core.ps","id":1},{"jsonrpc":"2.0","method":"core.version","id":2}]\n',
      ],
      1,
    )) as unknown[];
    assert.equal(replies.length, 1);
    assert.ok(Array.isArray(replies[0]));
    assert.deepEqual(
      (replies[0] as Array<{ id: number }>).map((r) => r.id),
      [1, 2],
    );
  });
});

describe('core methods through the client', () => {
  test('named and positional params give the same result', async () => {
    server.stats.counter('auth', 'failures').inc(3);
    const pos = await mgmtCall(server.mgmtSocket, 'stats.fetch', ['auth:']);
    const named = await mgmtCall(server.mgmtSocket, 'stats.fetch', { names: ['auth:'] });
    assert.deepEqual(pos, named);
    assert.deepEqual(pos, { 'auth.challenges': 0, 'auth.failures': 3, 'auth.successes': 0 });
    const reset = await mgmtCall<{ reset: string[] }>(server.mgmtSocket, 'stats.reset', { names: 'auth.failures' });
    assert.deepEqual(reset, { reset: ['auth.failures'] });
    assert.deepEqual(await mgmtCall(server.mgmtSocket, 'stats.fetch', ['auth.failures']), { 'auth.failures': 0 });
  });

  test('core.version, core.ps, system.methodHelp, core.log_level', async () => {
    const c = await MgmtClient.connect({ socketPath: server.mgmtSocket });
    try {
      const v = await c.call<{ version: string; release: string }>('core.version');
      assert.match(v.version, /^sipd \d+\.\d+\.\d+ \(sipkit; /);
      assert.deepEqual(await c.call('core.ps'), [{ IDX: 0, PID: process.pid, DSC: 'sipd main process (core)' }]);
      assert.match(await c.call<string>('system.methodHelp', ['stats.fetch']), /^stats.fetch \[names\.\.\.\] - /);
      assert.deepEqual(await c.call('core.log_level', { level: 'debug' }), { level: 'debug', previous: 'silent' });
    } finally {
      c.close();
    }
  });

  test('errors answered by sipd become CliErrors with the matching exit code', async () => {
    const cases: Array<[string, unknown[] | undefined, number, string]> = [
      ['no.such', undefined, ExitCode.USAGE, 'RPC_METHOD_NOT_FOUND'],
      ['system.methodHelp', [], ExitCode.USAGE, 'RPC_INVALID_PARAMS'],
      ['stats.fetch', ['nosuch.stat'], ExitCode.NOT_FOUND, 'NOT_FOUND'],
    ];
    for (const [method, params, exit, code] of cases) {
      await assert.rejects(mgmtCall(server.mgmtSocket, method, params), (e: unknown) => {
        assert.ok(e instanceof RpcCallError, String(e));
        assert.equal(e.exitCode, exit, method);
        assert.equal(e.code, code);
        assert.match(e.message, new RegExp(`^sipd: ${method.replace('.', '\\.')}: `));
        return true;
      });
    }
  });
});

describe('client connection errors', () => {
  const errDir = tmpDir('sipd-cli-');
  let silent: Server | undefined;
  after(() => {
    silent?.close();
    cleanup(errDir);
  });

  test('no socket: "cannot reach sipd at <path>: is it running? try `sipctl start`" (exit 5)', async () => {
    const path = join(errDir, 'absent.sock');
    await assert.rejects(mgmtCall(path, 'core.ps'), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.message, `cannot reach sipd at ${path}: is it running? try \`sipctl start\``);
      assert.equal(e.exitCode, ExitCode.UNREACHABLE);
      assert.equal(e.code, 'NOT_RUNNING');
      return true;
    });
  });

  test('a server that never answers: timeout (exit 5)', async () => {
    const path = join(errDir, 'silent.sock');
    silent = createServer(() => {});
    await new Promise<void>((r) => silent!.listen(path, () => r()));
    await assert.rejects(mgmtCall(path, 'core.ps', undefined, { timeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.code, 'TIMEOUT');
      assert.equal(e.exitCode, ExitCode.UNREACHABLE);
      assert.match(e.message, /did not answer core\.ps within 200 ms/);
      return true;
    });
  });

  test('permission denied on the socket or its directory is named as such, with the path and the fix', async (t) => {
    // Root ignores file modes, so as root the client runs as nobody (uid 65534).
    const asRoot = process.getuid?.() === 0;
    const locked = join(errDir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    const lockedServer = createServer(() => {});
    const sockInDir = join(locked, 'sipd.sock');
    await new Promise<void>((r) => lockedServer.listen(sockInDir, () => r()));
    t.after(() => lockedServer.close());
    chmodSync(locked, 0o000);
    // And a socket with mode 000 in a readable directory.
    const sockFile = join(errDir, 'mode000.sock');
    const s2 = createServer(() => {});
    await new Promise<void>((r) => s2.listen(sockFile, () => r()));
    t.after(() => s2.close());
    chmodSync(sockFile, 0o000);
    chmodSync(errDir, 0o755);

    const script = `
      import(${JSON.stringify(join(repoRoot, 'dist/src/mgmt/client.js'))}).then(async (m) => {
        const out = [];
        for (const p of process.argv.slice(1)) {
          try { await m.mgmtCall(p, 'core.ps', undefined, { timeoutMs: 2000 }); out.push({ ok: true }); }
          catch (e) { out.push({ message: e.message, code: e.code, exitCode: e.exitCode, actions: e.actions }); }
        }
        console.log(JSON.stringify(out));
      });`;
    const child = spawn(process.execPath, ['-e', script, sockInDir, sockFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('close', r));
    if (asRoot && code !== 0 && /EACCES|Cannot find module|permission denied/i.test(err)) {
      t.skip(`user nobody cannot read the built client here: ${err.split('\n')[0]}`);
      return;
    }
    const [inDir, mode000] = JSON.parse(out) as Array<{
      message: string;
      code: string;
      exitCode: number;
      actions: string[];
    }>;
    assert.equal(inDir.code, 'EACCES');
    assert.equal(inDir.exitCode, ExitCode.UNREACHABLE);
    assert.match(inDir.message, new RegExp(`^permission denied on directory ${locked}: .*${sockInDir}`));
    assert.ok(inDir.actions.some((a) => a.includes(`ls -ld ${locked} ${sockInDir}`)));
    assert.equal(mode000.code, 'EACCES');
    assert.match(mode000.message, new RegExp(`^permission denied on ${sockFile}: your user may not use`));
    assert.ok(mode000.actions.some((a) => /group/.test(a)));
  });
});
