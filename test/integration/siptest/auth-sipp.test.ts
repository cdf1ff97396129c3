/**
 * Digest authentication with SIPp on the other side: siptest answers a 401 with [authentication]
 * (-au/-ap) and SIPp's verifyauth accepts it; SIPp's credentials pass siptest's verifyauth; a wrong
 * password is refused (403) and the call fails. (Against sipd's registrar: auth-sipd.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixturesDir } from '../../helpers/fixtures.js';
import { waitBound } from '../../helpers/proc-net.js';
import { freeUdpPort, requireSipp, runProc, siptest } from '../../helpers/procs.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const uac = join(fixturesDir, 'scenarios', 'auth-uac.xml');
const uas = join(fixturesDir, 'scenarios', 'auth-uas.xml');
const common = ['-i', '127.0.0.1', '-nostdin'];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('siptest [authentication] -au/-ap → sipp verifyauth: 200; wrong password: 403 and exit 1', { skip }, async () => {
  for (const [password, expected] of [
    ['secret', 0],
    ['wrong', 1],
  ] as const) {
    const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
    const server = runProc(sipp!, ['-sf', uas, '-p', String(sp), '-m', '1', ...common], { cwd: dir, timeoutMs: 20000 });
    await delay(300);
    const client = await siptest(
      [
        `127.0.0.1:${sp}`,
        '-sf',
        uac,
        '-p',
        String(cp),
        '-m',
        '1',
        '-au',
        'alice',
        '-ap',
        password,
        '--json',
        ...common,
      ],
      {
        cwd: dir,
        timeoutMs: 20000,
      },
    );
    await server;
    assert.equal(client.code, expected, client.stderr);
    const s = JSON.parse(client.stdout).result;
    assert.equal(s.responseCodes[expected === 0 ? '200' : '403'], 1);
  }
});

test('sipp [authentication] → siptest verifyauth: 200', { skip }, async () => {
  const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
  const server = siptest(['-sf', uas, '-p', String(sp), '-m', '1', '--json', ...common], {
    cwd: dir,
    timeoutMs: 20000,
  });
  await delay(800);
  const client = await runProc(
    sipp!,
    [`127.0.0.1:${sp}`, '-sf', uac, '-p', String(cp), '-m', '1', '-au', 'alice', '-ap', 'secret', ...common],
    { cwd: dir, timeoutMs: 20000 },
  );
  const s = await server;
  assert.equal(client.code, 0, client.stdout.slice(-1500));
  assert.equal(s.code, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).result.calls.successful, 1);
});

test('[authentication username=… password=…] in an -inf field: per-line credentials, as sipp', { skip }, async () => {
  const uacInf = join(fixturesDir, 'scenarios', 'auth-inf-uac.xml');
  const inf = join(fixturesDir, 'scenarios', 'auth-inf.csv');
  for (const tool of ['sipp', 'siptest'] as const) {
    const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
    const log = join(dir, `${tool}-inf-uas.log`);
    const server = runProc(
      sipp!,
      ['-sf', uas, '-p', String(sp), '-m', '2', '-trace_msg', '-message_file', log, ...common],
      { cwd: dir, timeoutMs: 30000 },
    );
    await waitBound('udp', sp);
    // -ap is wrong on purpose: the password comes from the field (line 1 right, line 2 wrong).
    const args = [`127.0.0.1:${sp}`, '-sf', uacInf, '-inf', inf, '-p', String(cp), '-m', '2', '-r', '5'];
    args.push('-ap', 'not-this-one', ...common);
    const client =
      tool === 'sipp'
        ? await runProc(sipp!, args, { cwd: dir, timeoutMs: 30000 })
        : await siptest(args, { cwd: dir, timeoutMs: 30000 });
    await server;
    assert.equal(client.code, 1, `${tool}: ${client.stderr}${client.stdout.slice(-1500)}`);
    // The UAS's answers to the second REGISTER (an aborted call's BYE also gets a 200).
    const sent = readFileSync(log, 'latin1').split(/^-{47} /m);
    const answers = (status: string) =>
      sent.filter((e) => e.includes(`\nSIP/2.0 ${status}\r\n`) && e.includes('\r\nCSeq: 2 REGISTER\r\n')).length;
    assert.equal(answers('200 OK'), 1, `${tool}: ${sent.slice(-6).join('')}`);
    assert.equal(answers('403 Forbidden'), 1, tool);
    const credentials = sent.filter((e) => e.includes('Authorization: Digest username="alice",realm="test.example"'));
    assert.equal(credentials.length, 2, tool);
  }
});
