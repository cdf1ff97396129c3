/**
 * sipd with `workers = 2` (src/daemon/cluster/), started and stopped through the built bin as an
 * operator does, with user agents on real loopback sockets, once with UDP steered by Call-ID in
 * the kernel and once with one shared socket: however a datagram reaches a worker,
 * retransmissions, CANCELs and responses meet the transaction that owns them (the ACK of a 487
 * included), a registration made in one worker is found by the other at once, a TCP connection
 * held by one worker carries requests the other relays, the management socket answers for both, a
 * killed worker comes back, and `sipd stop` drains both.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { closeSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ownerOf } from '../../../src/daemon/cluster/message-owner.js';
import { mgmtCall } from '../../../src/mgmt/client.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { openStore } from '../../../src/store/index.js';
import { alive, isolatedFlags, jsonOf, runSipd, tmpDirs, type StartJson, until } from '../../helpers/sipd.js';
import { sleep, TestUA, waitUntil, type ProxyAddress } from '../../helpers/test-ua.js';
import { steeredUdpGroup } from '../../helpers/udp-steering.js';

const DOMAIN = 'sipkit.test';
const newDir = tmpDirs();

interface Sipd {
  dir: string;
  pid: number;
  socket: string;
  udp: ProxyAddress;
  tcp: ProxyAddress;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stats(...names: string[]): Promise<Record<string, number>>;
  log(): string;
}

/**
 * `sipd start --workers 2` on a fresh SQLite database with alice, bob and carol. `topLevel`: keys
 * before the first section; `extraConfig`: sections.
 */
async function startSipd(extraConfig = '', topLevel = ''): Promise<Sipd> {
  const dir = newDir();
  const db = join(dir, 'sipd.db');
  const store = await openStore(`sqlite:${db}`, { schema: 'create' });
  for (const u of ['alice', 'bob', 'carol']) await store.subscribers.add(u, DOMAIN, `${u}-pw`);
  await store.close();
  writeFileSync(
    join(dir, 'sipd.conf'),
    [
      `domains = ["${DOMAIN}"]`,
      `db_url = "sqlite:${db}"`,
      'workers = 2',
      topLevel,
      '[timers]',
      'drain_ms = 4000',
      'fr_inv_ms = 8000',
      extraConfig,
    ].join('\n'),
  );
  const started = await runSipd(['start', ...isolatedFlags(dir), '--json'], { dir, timeoutMs: 60000 });
  assert.equal(started.code, 0, started.stderr + started.stdout);
  const s = jsonOf<StartJson>(started).result;
  const port = (proto: string) =>
    Number(
      s.listen
        .find((l) => l.startsWith(proto))!
        .split(':')
        .pop(),
    );
  const rpc = <T>(method: string, params?: unknown[]) => mgmtCall<T>(s.socket, method, params);
  return {
    dir,
    pid: s.pid,
    socket: s.socket,
    udp: { host: '127.0.0.1', port: port('udp:'), protocol: 'UDP' },
    tcp: { host: '127.0.0.1', port: port('tcp:'), protocol: 'TCP' },
    rpc,
    stats: (...names) => rpc<Record<string, number>>('stats.fetch', names.length ? names : ['all']),
    log: () => readFileSync(join(dir, 'run', 'sipd.log'), 'utf8'),
  };
}

/**
 * The INVITEs a UA received, as Call-ID → the branches of sipd's Via: one branch per Call-ID means
 * one client transaction per call (sipd's own retransmissions reuse it; a retransmission of the
 * caller's handled as a new request would make a second).
 */
function invitesByCall(ua: TestUA): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of ua.requests('INVITE')) {
    const set = out.get(r.callId()) ?? new Set<string>();
    set.add(r.topVia()!.params.get('branch')!);
    out.set(r.callId(), set);
  }
  return out;
}

/** Inodes of the UDP sockets bound to a local port (/proc/net/udp: local address in hex, inode in column 10). */
function udpInodes(port: number): string[] {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(hex))
    .map((f) => f[9]!);
}

/** The socket inodes a process has open. */
function socketFds(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m ? [m[1]!] : [];
    } catch {
      return [];
    }
  });
}

const oneEach = (m: Map<string, Set<string>>) => [...m.values()].every((b) => b.size === 1);

const workerPids = async (d: Sipd) =>
  (await d.rpc<Array<{ IDX: number; PID: number; DSC: string }>>('core.ps')).filter((r) => r.IDX > 0);

/**
 * Why this machine cannot steer UDP by Call-ID in the kernel (no addon, no CAP_BPF), found by
 * making a steered group as the primary would; undefined when it can.
 */
function kernelSteeringMissing(): string | undefined {
  const made = steeredUdpGroup(2);
  if (typeof made === 'string') return made;
  for (const fd of made.fds) closeSync(fd);
  return undefined;
}

/**
 * The suite, for each way the workers read UDP (cluster/shared-udp.ts): steered by Call-ID in the
 * kernel (worker_steering = "call-id", where the kernel loads the program), or one socket both
 * read, handing over what the other owns (the default, worker_steering = "off"). Every behaviour
 * holds either way; what differs is which sockets exist and whether messages travel between the
 * workers.
 */
for (const mode of ['call-id', 'shared'] as const) {
  const steered = mode === 'call-id';
  const missing = steered ? kernelSteeringMissing() : undefined;
  describe(
    `sipd workers = 2, UDP ${steered ? 'steered by Call-ID' : 'shared'}`,
    { timeout: 180000, skip: missing },
    () => {
      let d: Sipd;
      const uas: TestUA[] = [];
      const ua = async (user: string, proxy: ProxyAddress, domain = DOMAIN) => {
        const u = await TestUA.create({ user, password: `${user}-pw`, domain, proxy });
        uas.push(u);
        return u;
      };
      /** A caller from a foreign domain: no authentication needed to call a local user. */
      const stranger = (i: number) => ua(`caller${i}`, d.udp, 'stranger.example');

      before(async () => {
        d = await startSipd('', steered ? 'worker_steering = "call-id"' : '');
      });
      after(async () => {
        await Promise.all(uas.map((u) => u.close()));
        if (alive(d.pid)) await runSipd(['stop', '--run-dir', join(d.dir, 'run')], { dir: d.dir });
      });

      test('core.ps lists the primary and two workers; one management socket answers for both', async () => {
        const ps = await d.rpc<Array<{ IDX: number; PID: number; DSC: string }>>('core.ps');
        assert.equal(ps.length, 3);
        assert.equal(ps[0]!.PID, d.pid);
        assert.ok(ps.slice(1).every((r) => r.PID > 0 && r.PID !== d.pid && alive(r.PID)));
        const info = await d.rpc<{ pid: number; workers: number; udp_steering: string }>('core.info');
        assert.equal(info.pid, d.pid);
        assert.equal(info.workers, 2);
        assert.equal(info.udp_steering, mode);
      });

      if (steered)
        test('each worker reads a socket of its own, and every request and response reaches its owner directly: nothing is handed over', async () => {
          const inodes = udpInodes(d.udp.port);
          assert.equal(inodes.length, 2, 'one socket per worker on the port');
          const workers = await workerPids(d);
          assert.deepEqual(new Set(socketFds(d.pid).filter((i) => inodes.includes(i))), new Set(inodes));
          const held = workers.map((w) => socketFds(w.PID).filter((i) => inodes.includes(i)));
          assert.deepEqual(
            held.map((h) => h.length),
            [1, 1],
          );
          assert.notEqual(held[0]![0], held[1]![0]);
          for (const w of workers) assert.match(readFileSync(`/proc/${w.PID}/maps`, 'utf8'), /udp_batch\.node/);
          // 60 INVITEs from other sources, their 180s and 200s from bob, bob's REGISTERs: every one
          // landed in the worker owning its Call-ID.
          const before = await d.stats('cluster.handed_over');
          const bob = await ua('bob', d.udp);
          bob.invitePolicy = { kind: 'answer' };
          assert.equal((await bob.register({ expires: 600 })).status, 200);
          const callers = await Promise.all(Array.from({ length: 60 }, (_, i) => stranger(600 + i)));
          const calls = callers.map((c) => c.call(`sip:bob@${DOMAIN}`));
          const finals = await Promise.all(calls.map((c) => c.final));
          assert.ok(
            finals.every((r) => r.status === 200),
            finals.map((r) => r.status).join(),
          );
          await Promise.all(calls.map((c, i) => c.ack(finals[i]!)));
          const after = await d.stats('cluster.handed_over', 'core.rcv_requests_invite');
          assert.equal(after['cluster.handed_over'], before['cluster.handed_over'], 'no message was handed over');
          assert.ok(after['core.rcv_requests_invite']! >= 60);
          await bob.register({ expires: 0 });
        });
      else
        test('the UDP listener is one socket, bound by the primary and read by both workers through the batched addon', async () => {
          const inodes = udpInodes(d.udp.port);
          assert.equal(inodes.length, 1, 'one socket on the port, not one per worker');
          const workers = await workerPids(d);
          for (const pid of [d.pid, ...workers.map((w) => w.PID)])
            assert.ok(socketFds(pid).includes(inodes[0]!), `process ${pid} holds the listener's socket`);
          for (const w of workers) assert.match(readFileSync(`/proc/${w.PID}/maps`, 'utf8'), /udp_batch\.node/);
          // Both workers read it: with 60 INVITEs from other sources, some Call-IDs were read by the
          // worker that does not own them and handed over (message-owner.ts).
          const bob = await ua('bob', d.udp);
          bob.invitePolicy = { kind: 'answer' };
          assert.equal((await bob.register({ expires: 600 })).status, 200);
          const callers = await Promise.all(Array.from({ length: 60 }, (_, i) => stranger(600 + i)));
          const finals = await Promise.all(callers.map((c) => c.call(`sip:bob@${DOMAIN}`).final));
          assert.ok(
            finals.every((r) => r.status === 200),
            finals.map((r) => r.status).join(),
          );
          assert.ok((await d.stats('cluster.handed_over'))['cluster.handed_over']! > 0);
          await bob.register({ expires: 0 });
        });

      test('a second sipd on the UDP port of a running one fails: address already in use (no shared port)', async () => {
        const sockets = udpInodes(d.udp.port).length;
        for (const steering of ['call-id', 'off']) {
          const dir = newDir();
          writeFileSync(
            join(dir, 'sipd.conf'),
            `domains = ["${DOMAIN}"]\nworkers = 2\nworker_steering = "${steering}"\n`,
          );
          // Its config, run and data directories; the listener is the running sipd's port.
          const flags = isolatedFlags(dir).filter(
            (f) => !f.startsWith('udp:') && !f.startsWith('tcp:') && f !== '--listen',
          );
          const r = await runSipd(['start', ...flags, '--listen', `udp:127.0.0.1:${d.udp.port}`, '--json'], { dir });
          assert.equal(r.code, ExitCode.FAILED, r.stdout + r.stderr);
          const e = JSON.parse(r.stdout) as { error: { message: string } };
          assert.match(
            e.error.message,
            new RegExp(`cannot listen on udp:127.0.0.1:${d.udp.port}: address already in use`),
          );
          assert.equal(udpInodes(d.udp.port).length, sockets);
        }
      });

      test('REGISTER, then at once INVITEs from 50 source ports: every worker finds the contact', async () => {
        const bob = await ua('bob', d.udp);
        assert.equal((await bob.register({ expires: 600 })).status, 200);
        const callers = await Promise.all(Array.from({ length: 50 }, (_, i) => stranger(i)));
        const calls = callers.map((c) => c.call(`sip:bob@${DOMAIN}`));
        const finals = await Promise.all(calls.map((c) => c.final));
        assert.deepEqual(
          finals.map((f) => f.status),
          finals.map(() => 200),
        );
        await Promise.all(calls.map((c, i) => c.ack(finals[i]!)));
        const byCall = invitesByCall(bob);
        assert.equal(byCall.size, 50);
        assert.ok(oneEach(byCall));
        const s = await d.stats('cluster:', 'usrloc:', 'core.drop_replies');
        // Shared: some INVITEs were read by the worker not owning them; steered: none.
        if (steered) assert.ok(s['cluster.handed_over'] === 0 && s['cluster.taken_over'] === 0, JSON.stringify(s));
        else assert.ok(s['cluster.handed_over']! > 0 && s['cluster.taken_over']! > 0, JSON.stringify(s));
        // The binding went to the other worker straight on the peer channel, not through the primary.
        assert.ok(s['cluster.replicated_batches']! > 0, JSON.stringify(s));
        assert.equal(s['cluster.replication_timeouts'], 0);
        // The 200s came back to the client transactions of whichever worker relayed each INVITE.
        assert.equal(s['core.drop_replies'], 0);
        assert.equal(s['usrloc.registered_contacts'], 1, 'the location gauge is not doubled');
        await bob.register({ expires: 0 });
      });

      test("a nonce answered under the other worker's Call-ID gets stale=true; a used answer is refused by both", async () => {
        const bob = await ua('bob', d.udp);
        // Two Call-IDs the two workers own: the challenge comes from one, an answer goes to the other.
        const ids = Array.from({ length: 64 }, (_, i) => `nonce-${i}@test`);
        const owner = (id: string) => ownerOf(Buffer.from(`REGISTER sip:x SIP/2.0\r\nCall-ID: ${id}\r\n\r\n`), 2);
        const a = ids.find((id) => owner(id) === 0)!;
        const b = ids.find((id) => owner(id) === 1)!;
        let cseq = 1;
        const register = (callId: string, authorization?: string) => {
          const req = bob.build('REGISTER', { uri: `sip:${DOMAIN}`, to: `<${bob.aor}>`, callId, cseq: cseq++ });
          req.append('Expires', '600');
          if (authorization !== undefined) req.append('Authorization', authorization);
          return bob.send(req);
        };
        const challenge = await register(a);
        assert.equal(challenge.status, 401);
        bob.digest!.onChallenge(challenge.getAll('www-authenticate'));
        const first = bob.digest!.authorize('REGISTER', `sip:${DOMAIN}`);
        assert.equal((await register(a, first)).status, 200);
        // The phone reuses the nonce it holds (nc=2) on a Call-ID the other worker owns: a fresh
        // nonce with stale=true (the phone retries at once), not "wrong password".
        const reused = await register(b, bob.digest!.authorize('REGISTER', `sip:${DOMAIN}`));
        assert.equal(reused.status, 401);
        assert.match(reused.get('www-authenticate') ?? '', /stale=true/i);
        // The answer that registered is replayed (the digest does not cover the Call-ID): refused by
        // the worker that counted it, and by the other, which never accepts the first one's nonces.
        for (const id of [a, b]) {
          const replay = await register(id, first);
          assert.equal(replay.status, 401, `replay under the Call-ID of worker ${owner(id)}`);
        }
        await bob.register({ callId: a, cseq: cseq++, expires: 0 });
      });

      test('a retransmitted INVITE reaches the callee once, whichever worker reads each copy', async () => {
        const carol = await ua('carol', d.udp);
        carol.invitePolicy = { kind: 'ring' };
        assert.equal((await carol.register({ expires: 600 })).status, 200);
        const raw = createSocket('udp4');
        await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
        const got: string[] = [];
        raw.on('message', (m) => got.push(m.toString('latin1')));
        try {
          const port = raw.address().port;
          for (let i = 0; i < 10; i++) {
            const invite = [
              `INVITE sip:carol@${DOMAIN} SIP/2.0`,
              `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKretx${i};rport`,
              'Max-Forwards: 70',
              `From: <sip:x@stranger.example>;tag=t${i}`,
              `To: <sip:carol@${DOMAIN}>`,
              `Call-ID: retx-${i}-${Date.now()}@127.0.0.1`,
              'CSeq: 1 INVITE',
              `Contact: <sip:x@127.0.0.1:${port}>`,
              'Content-Length: 0',
              '',
              '',
            ].join('\r\n');
            for (let k = 0; k < 4; k++) raw.send(invite, d.udp.port, '127.0.0.1');
          }
          await waitUntil(() => invitesByCall(carol).size >= 10, 5000, '10 INVITEs at carol');
          await sleep(700);
          const byCall = invitesByCall(carol);
          assert.equal(byCall.size, 10);
          assert.ok(oneEach(byCall), 'each INVITE relayed once: its 3 retransmissions were absorbed');
          assert.ok(got.some((m) => m.startsWith('SIP/2.0 180')));
        } finally {
          raw.close();
        }
        await carol.register({ expires: 0 });
      });

      test('CANCEL reaches the INVITE it cancels (487 to the caller, CANCEL at the callee)', async () => {
        const bob = await ua('bob', d.udp);
        bob.invitePolicy = { kind: 'ring' };
        assert.equal((await bob.register({ expires: 600 })).status, 200);
        const callers = await Promise.all(Array.from({ length: 10 }, (_, i) => stranger(100 + i)));
        const calls = callers.map((c) => c.call(`sip:bob@${DOMAIN}`));
        const early = await Promise.race([
          Promise.all(calls.map((c) => c.ringing)).then(() => undefined),
          Promise.any(calls.map((c) => c.final)),
        ]);
        assert.equal(early, undefined, `a call ended before ringing: ${early?.status} ${early?.reason}`);
        const cancels = await Promise.all(calls.map((c) => c.cancel()));
        assert.deepEqual(
          cancels.map((r) => r.status),
          cancels.map(() => 200),
        );
        const finals = await Promise.all(calls.map((c) => c.final));
        assert.deepEqual(
          finals.map((r) => r.status),
          finals.map(() => 487),
        );
        await bob.waitForRequests('CANCEL', 10);
        // Each caller ACKs its 487 (§17.1.1.3); an ACK that missed the INVITE's transaction would leave
        // sipd retransmitting the 487 (Timer G: after 0.5, 1.5, 3.5 s...).
        await sleep(4000);
        for (const c of callers) {
          const n = c.responses().filter((r) => r.status === 487).length;
          assert.ok(n <= 2, `${c.opts.user}: the 487 came ${n} times: its ACK did not reach the transaction`);
        }
        await bob.register({ expires: 0 });
      });

      test('a phone registered over TCP is reached through the worker holding its connection', async () => {
        const alice = await ua('alice', d.tcp);
        assert.equal((await alice.register({ expires: 600 })).status, 200);
        const callers = await Promise.all(Array.from({ length: 20 }, (_, i) => stranger(200 + i)));
        const calls = callers.map((c) => c.call(`sip:alice@${DOMAIN}`));
        const finals = await Promise.all(calls.map((c) => c.final));
        assert.deepEqual(
          finals.map((r) => r.status),
          finals.map(() => 200),
        );
        const byCall = invitesByCall(alice);
        assert.equal(byCall.size, 20);
        assert.ok(oneEach(byCall));
        // One connection: the INVITEs relayed by the other worker were written on it, not on a new one.
        assert.equal(new Set(alice.received.map((r) => r.source.connectionId)).size, 1);
        await Promise.all(calls.map((c, i) => c.ack(finals[i]!)));
        await alice.register({ expires: 0 });
      });

      test('ul.add through the socket is seen by both workers; statistics are the sum of both', async () => {
        const before = await d.stats('core.rcv_requests_invite');
        const target = await ua('carol', d.udp);
        await d.rpc('ul.add', [`carol@${DOMAIN}`, target.contactUri]);
        const callers = await Promise.all(Array.from({ length: 20 }, (_, i) => stranger(300 + i)));
        const finals = await Promise.all(callers.map((c) => c.call(`sip:carol@${DOMAIN}`).final));
        assert.ok(
          finals.every((r) => r.status === 200),
          finals.map((r) => r.status).join(),
        );
        const after = await d.stats('core.rcv_requests_invite');
        assert.equal(after['core.rcv_requests_invite']! - before['core.rcv_requests_invite']!, 20);
        await d.rpc('ul.rm', [`carol@${DOMAIN}`]);
        const dump = await d.rpc<{ aors: unknown[] }>('ul.dump');
        assert.equal(dump.aors.length, 0);
      });

      test('cache.reload reaches every worker: an alias added to the database works for every Call-ID', async () => {
        const target = await ua('carol', d.udp);
        await d.rpc('ul.add', [`carol@${DOMAIN}`, target.contactUri]);
        const store = await openStore(`sqlite:${join(d.dir, 'sipd.db')}`, { schema: 'require' });
        try {
          await store.aliases.add({ aliasUsername: '2000', aliasDomain: DOMAIN, username: 'carol', domain: DOMAIN });
        } finally {
          await store.close();
        }
        // Not in the workers' caches yet: unknown (so what follows shows the reload reached each worker).
        const early = await Promise.all(Array.from({ length: 6 }, (_, i) => stranger(590 + i)));
        const before = await Promise.all(early.map((c) => c.call(`sip:2000@${DOMAIN}`).final));
        assert.ok(
          before.every((r) => r.status === 404),
          before.map((r) => r.status).join(),
        );
        await d.rpc('cache.reload');
        const callers = await Promise.all(Array.from({ length: 20 }, (_, i) => stranger(600 + i)));
        const finals = await Promise.all(callers.map((c) => c.call(`sip:2000@${DOMAIN}`).final));
        assert.ok(
          finals.every((r) => r.status === 200),
          finals.map((r) => r.status).join(),
        );
        assert.equal(invitesByCall(target).size, 20);
        await d.rpc('ul.rm', [`carol@${DOMAIN}`]);
      });

      test('a killed worker is restarted (logged) and serves again with the registrations', async () => {
        const bob = await ua('bob', d.udp);
        bob.invitePolicy = { kind: 'answer' };
        assert.equal((await bob.register({ expires: 600 })).status, 200);
        const [w0] = await workerPids(d);
        process.kill(w0!.PID, 'SIGKILL');
        await until(() => d.log().includes('sipd worker restarted'), 'worker restarted', 30000);
        const now = await workerPids(d);
        assert.notEqual(now[0]!.PID, w0!.PID);
        assert.ok(alive(now[0]!.PID));
        assert.match(d.log(), /"signal":"SIGKILL".*"msg":"sipd worker exited unexpectedly; restarting it"/);
        assert.equal((await d.stats('cluster.restarts'))['cluster.restarts'], 1);
        const callers = await Promise.all(Array.from({ length: 20 }, (_, i) => stranger(400 + i)));
        const finals = await Promise.all(callers.map((c) => c.call(`sip:bob@${DOMAIN}`).final));
        assert.ok(
          finals.every((r) => r.status === 200),
          finals.map((r) => r.status).join(),
        );
        await bob.register({ expires: 0 });
      });

      test('sipd stop drains both workers: a ringing call still completes, then every process is gone', async () => {
        const bob = await ua('bob', d.udp);
        bob.invitePolicy = { kind: 'answer', ringMs: 1500 };
        assert.equal((await bob.register({ expires: 600 })).status, 200);
        const workers = await workerPids(d);
        const callers = await Promise.all(Array.from({ length: 6 }, (_, i) => stranger(500 + i)));
        const calls = callers.map((c) => c.call(`sip:bob@${DOMAIN}`));
        await Promise.all(calls.map((c) => c.ringing));
        const stopped = runSipd(['stop', '--run-dir', join(d.dir, 'run'), '--json'], { dir: d.dir });
        const finals = await Promise.all(calls.map((c) => c.final));
        assert.deepEqual(
          finals.map((r) => r.status),
          finals.map(() => 200),
        );
        const r = await stopped;
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!alive(d.pid));
        for (const w of workers) assert.ok(!alive(w.PID), `worker ${w.PID} gone`);
        assert.equal((d.log().match(/"msg":"sipd stopped"/g) ?? []).length, 3, 'two workers and the primary');
      });
    },
  );
}

describe('sipd workers = 2, location in memory only (usrloc.db_mode = 0)', { timeout: 120000 }, () => {
  test('a restarted worker copies the registrations from the other one', async () => {
    const d = await startSipd('[usrloc]\ndb_mode = 0');
    try {
      await d.rpc('ul.add', [`alice@${DOMAIN}`, 'sip:alice@127.0.0.1:5999']);
      const [w0] = await workerPids(d);
      process.kill(w0!.PID, 'SIGKILL');
      await until(() => d.log().includes('sipd worker restarted'), 'worker restarted', 30000);
      // ul.* goes to the lowest serving worker: the restarted worker 0, which has no database copy.
      const [now] = await workerPids(d);
      assert.notEqual(now!.PID, w0!.PID);
      const dump = await d.rpc<{ aors: Array<{ aor: string }> }>('ul.dump');
      assert.deepEqual(
        dump.aors.map((a) => a.aor),
        [`alice@${DOMAIN}`],
      );
    } finally {
      await runSipd(['stop', '--run-dir', join(d.dir, 'run')], { dir: d.dir });
    }
  });
});
