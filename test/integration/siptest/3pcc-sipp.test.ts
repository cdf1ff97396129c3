/**
 * Twin-SIPp 3PCC with the real SIPp 3.6.1 (SIPp's documented quartet: 3pcc-A and 3pcc-B answer,
 * 3pcc-C-B listens on the twin address, 3pcc-C-A is started last and connects to it), on
 * 127.0.0.1 with random high ports: siptest as controller A with sipp as its twin, and the
 * other way round. Every process exits 0 and counts its calls; the UASes see every call's ACK
 * and BYE. Then the channel itself against sipp: the INVITE controller B builds from a command
 * carries the same bytes as sipp's, and a twin that leaves stops both with the same exit code.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sleep, UdpPeer, waitFor } from '../../helpers/net.js';
import { waitBound } from '../../helpers/proc-net.js';
import { freeUdpPort, requireSipp, siptestBin } from '../../helpers/procs.js';
import { twinRunner, type TwinTool } from '../../helpers/twin-sipp.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-3pcc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const common = ['-i', '127.0.0.1', '-nostdin'];
const { run, quartet } = twinRunner(sipp, dir, common);
type Tool = TwinTool;

test('siptest controller A (3pcc-C-A) with sipp as its twin and sipp UASes', { skip }, () =>
  quartet({ a: 'sipp', b: 'sipp', cb: 'sipp', ca: 'siptest' }),
);

test('sipp controller A with siptest as its twin (3pcc-C-B) and siptest UASes', { skip }, () =>
  quartet({ a: 'siptest', b: 'siptest', cb: 'siptest', ca: 'sipp' }),
);

test(
  'over TCP (-t t1): sipp controller A, siptest controller B (it connects to B as a client does) and UASes',
  { skip },
  () => quartet({ a: 'siptest', b: 'siptest', cb: 'siptest', ca: 'sipp' }, 't1'),
);

/** Plays controller A by hand: connects to controller B's twin address. */
async function rawTwin(port: number): Promise<Socket> {
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  return sock;
}

const SDP = 'v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n';
/** A command as 3pcc-C-A sends it: Call-ID and the 200's Content-Type… to the end ([$1]). */
const COMMAND = `Call-ID: raw-1@twin\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}\r\n\r\n\x1b`;

/** Controller B given one command; resolves with the INVITE `ua` got, and the process. */
async function inviteFromCommand(
  tool: Tool,
): Promise<{ invite: string; twin: Socket; child: ChildProcess; exit: Promise<number | null>; stdout: () => string }> {
  const ua = await UdpPeer.open();
  const [twin, p] = [await freeUdpPort(), await freeUdpPort()];
  const args = [`127.0.0.1:${ua.port}`, '-sn', '3pcc-C-B', '-3pcc', `127.0.0.1:${twin}`, '-p', String(p), ...common];
  const child =
    tool === 'sipp'
      ? spawn(sipp!, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [siptestBin, ...args, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    await waitBound('tcp', twin);
    const sock = await rawTwin(twin);
    sock.write(Buffer.from(COMMAND, 'latin1'));
    await waitFor(() => ua.received.length > 0, 10000, 'the INVITE');
    return { invite: ua.texts()[0]!, twin: sock, child, exit, stdout: () => out };
  } finally {
    await ua.close();
  }
}

test('controller B: a command becomes the INVITE sipp sends, byte for byte after the Subject', { skip }, async () => {
  const theirs = await inviteFromCommand('sipp');
  theirs.twin.destroy();
  // SIPp 3.6.1 aborts the call when its twin ends but never lowers its call count, so it would
  // wait for ever: it is stopped here (SIGTERM: exit 0, no failed call). siptest ends by itself.
  await sleep(300);
  theirs.child.kill('SIGTERM');
  assert.equal(await theirs.exit, 0, theirs.stdout().slice(-2000));
  const ours = await inviteFromCommand('siptest');
  const fromCommand = (invite: string) => invite.slice(invite.indexOf('Subject: Performance Test'));
  assert.match(ours.invite, /^INVITE sip:service@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
  assert.match(ours.invite, /\r\nCall-ID: raw-1@twin\r\n/);
  assert.equal(fromCommand(ours.invite), fromCommand(theirs.invite));
  assert.ok(fromCommand(ours.invite).includes(`Content-Length: ${SDP.length}\r\n\r\n${SDP}`), ours.invite);
  ours.twin.end();
  // The twin's end aborts the call under way (not a failure) and the run stops: exit 0.
  assert.equal(await ours.exit, 0, ours.stdout());
  const calls = JSON.parse(ours.stdout().slice(ours.stdout().indexOf('{'))).result.calls;
  assert.deepEqual([calls.created, calls.successful, calls.failed, calls.current], [1, 0, 0, 0]);
});

test('controller B whose twin connects and leaves: both tools stop with the same exit code', { skip }, async () => {
  const codes: Array<number | null> = [];
  for (const tool of ['sipp', 'siptest'] as const) {
    const [twin, p] = [await freeUdpPort(), await freeUdpPort()];
    const r = run(tool, ['127.0.0.1:9', '-sn', '3pcc-C-B', '-3pcc', `127.0.0.1:${twin}`, '-p', String(p)]);
    await waitBound('tcp', twin);
    const sock = await rawTwin(twin);
    await sleep(200);
    sock.end();
    codes.push((await r).code);
  }
  assert.deepEqual(codes, [0, 0]);
});

/**
 * Plays controller B by hand for a controller A of either tool (A's UAS is sipp 3pcc-A): takes
 * the first command off the wire, then leaves. Controller A's call then waits for a command that
 * never comes, until -recv_timeout fails it.
 */
async function commandFromControllerA(tool: Tool): Promise<{ wire: Buffer; code: number | null }> {
  const chunks: Buffer[] = [];
  let got: () => void = () => {};
  const first = new Promise<void>((r) => (got = r));
  const server = createServer((sock) => {
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (d.includes(0x1b)) {
        got();
        sock.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const twin = (server.address() as AddressInfo).port;
  try {
    const [pa, pca] = [await freeUdpPort(), await freeUdpPort()];
    const a = run('sipp', ['-sn', '3pcc-A', '-p', String(pa), '-m', '1']);
    await waitBound('udp', pa);
    const caArgs = [`127.0.0.1:${pa}`, '-sn', '3pcc-C-A', '-3pcc', `127.0.0.1:${twin}`, '-p', String(pca)];
    const ca = run(tool, [...caArgs, '-m', '1', '-recv_timeout', '1000']);
    await first;
    const r = await ca;
    await a;
    return { wire: Buffer.concat(chunks), code: r.code };
  } finally {
    server.close();
  }
}

test(
  "controller A: the command it sends is sipp's, byte for byte but the Call-ID, ESC-terminated",
  { skip },
  async () => {
    const theirs = await commandFromControllerA('sipp');
    const ours = await commandFromControllerA('siptest');
    for (const c of [theirs, ours]) {
      assert.equal(c.wire.indexOf(0x1b), c.wire.length - 1, c.wire.toString('latin1'));
      assert.match(c.wire.toString('latin1'), /^Call-ID: [^\r\n]+\r\nContent-Type: application\/sdp\r\n/);
    }
    // The SDP is sipp 3pcc-A's, whose [media_port] is the first free even port from 6000: other
    // tests' media sockets can move it between the two runs.
    const afterCallId = (b: Buffer) =>
      b
        .toString('latin1')
        .replace(/^Call-ID: [^\r\n]+/, '')
        .replace(/^m=audio \d+ /m, 'm=audio PORT ');
    assert.equal(afterCallId(ours.wire), afterCallId(theirs.wire));
    // The call timed out waiting for the twin's command: a failed call, exit 1, in both.
    assert.equal(theirs.code, 1);
    assert.equal(ours.code, theirs.code);
  },
);
