/**
 * A 200 OK to REGISTER means durable (issue 9): the real sipd binary on SQLite gets a burst of
 * REGISTERs from many AoRs and is SIGKILLed the moment the last 200 arrives; every acknowledged
 * binding is in the location table and back after a restart. A second round of de-registrations
 * (Expires: 0), again killed at the last 200: every acknowledged removal stays removed. The same
 * on MariaDB (the shared test server, a throwaway database).
 * With `[usrloc] db_mode = 0` (memory only, the operator's choice) nothing is written at all.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mgmtCall } from '../../../src/mgmt/client.js';
import { openStore } from '../../../src/store/index.js';
import { answerOf, registerBurst, runSipdWith, type RegisterSpec } from '../../helpers/register-burst.js';
import { createThrowawayDb, mysqlAvailable } from '../../helpers/mysql.js';
import { tmpDirs } from '../../helpers/sipd.js';

const newDir = tmpDirs();
const DOMAIN = 'example.com';
const N = 300;

/**
 * Overload control off: the burst of N REGISTERs sent at once is the durability check's load, and
 * on a busy host sipd may take longer than limits.overload_backlog_ms to read it all, answering
 * some with 503 (right for an overloaded server, overload-sipp.test.ts; not what is tested here).
 */
function config(dbUrl: string, extra = ''): string {
  return `domains = ["${DOMAIN}"]\ndb_url = "${dbUrl}"\n[auth]\nregister = false\n[limits]\noverload_backlog_ms = 0\n${extra}`;
}

async function provision(dbUrl: string, users: string[]): Promise<void> {
  const store = await openStore(dbUrl, { schema: 'create' });
  try {
    for (const u of users) await store.subscribers.add(u, DOMAIN, 'pw-' + u);
  } finally {
    await store.close();
  }
}

/** AoR → contacts, as rows of the location table. */
async function rows(dbUrl: string): Promise<Map<string, string[]>> {
  const store = await openStore(dbUrl);
  try {
    const out = new Map<string, string[]>();
    for (const c of await store.location.listAll()) {
      const aor = `${c.username}@${c.domain}`;
      out.set(aor, [...(out.get(aor) ?? []), c.contact]);
    }
    return out;
  } finally {
    await store.close();
  }
}

async function dumpedAors(socket: string): Promise<string[]> {
  const d = await mgmtCall<{ aors: Array<{ aor: string }> }>(socket, 'ul.dump', { brief: true });
  return d.aors.map((a) => a.aor).sort();
}

const users = Array.from({ length: N }, (_, i) => `u${String(i).padStart(3, '0')}`);
const spec = (u: string, cseq: number, expires: number): RegisterSpec => ({
  user: u,
  domain: DOMAIN,
  callId: `dur-${u}@test`,
  cseq,
  expires,
  contact: `sip:${u}@127.0.0.1:5999`,
});

/** Two rounds (registrations, then removals of half), each SIGKILLed at its last 200. */
async function killedAfterLast200(dir: string, dbUrl: string): Promise<void> {
  await provision(dbUrl, users);

  // Round 1: N registrations at once, SIGKILL in the very callback of the last 200.
  let sipd = await runSipdWith(dir, config(dbUrl));
  const first = users.map((u) => spec(u, 1, 600));
  let answers = await registerBurst(sipd.port, first, { onLast: () => sipd.child.kill('SIGKILL') });
  sipd.child.kill('SIGKILL');
  await sipd.exited;
  const acked = first.filter((s) => answerOf(answers, s)?.status === 200).map((s) => `${s.user}@${DOMAIN}`);
  assert.equal(
    acked.length,
    N,
    `every REGISTER was answered 200 (got ${acked.length}): ${answerOf(answers, first[0]!)?.text}`,
  );
  const stored = await rows(dbUrl);
  const lost = acked.filter((aor) => !stored.has(aor));
  assert.deepEqual(lost, [], `acknowledged bindings missing from the location table: ${lost.length}`);

  sipd = await runSipdWith(dir, config(dbUrl));
  assert.deepEqual(await dumpedAors(sipd.socket), [...acked].sort(), 'every acknowledged binding is back');

  // Round 2: the odd users de-register (Expires: 0), SIGKILL at the last 200 again.
  const odd = users.filter((_, i) => i % 2 === 1);
  const removals = odd.map((u) => spec(u, 2, 0));
  answers = await registerBurst(sipd.port, removals, { onLast: () => sipd.child.kill('SIGKILL') });
  sipd.child.kill('SIGKILL');
  await sipd.exited;
  const removed = removals.filter((s) => answerOf(answers, s)?.status === 200).map((s) => `${s.user}@${DOMAIN}`);
  assert.equal(removed.length, odd.length, 'every removal was answered 200');
  const after = await rows(dbUrl);
  const back = removed.filter((aor) => after.has(aor));
  assert.deepEqual(back, [], `acknowledged removals still in the location table: ${back.length}`);

  sipd = await runSipdWith(dir, config(dbUrl));
  const even = users.filter((_, i) => i % 2 === 0).map((u) => `${u}@${DOMAIN}`);
  assert.deepEqual(await dumpedAors(sipd.socket), even, 'removed stay removed, the others stay');
  sipd.child.kill('SIGKILL');
  await sipd.exited;
}

describe('a 200 OK to REGISTER means durable (SIGKILL after the last 200)', { timeout: 120000 }, () => {
  test(`SQLite: ${N} bindings acknowledged in a burst are all stored and back after a restart; so are removals`, async () => {
    const dir = newDir();
    await killedAfterLast200(dir, `sqlite:${join(dir, 'loc.db')}`);
  });

  test('usrloc.db_mode = 0: bindings live in memory only (nothing written, gone after a restart)', async () => {
    const dir = newDir();
    const dbUrl = `sqlite:${join(dir, 'loc.db')}`;
    await provision(dbUrl, users.slice(0, 10));
    const memoryOnly = config(dbUrl, '[usrloc]\ndb_mode = 0\n');
    let sipd = await runSipdWith(dir, memoryOnly);
    const specs = users.slice(0, 10).map((u) => spec(u, 1, 600));
    const answers = await registerBurst(sipd.port, specs);
    assert.ok(specs.every((s) => answerOf(answers, s)?.status === 200));
    assert.equal((await dumpedAors(sipd.socket)).length, 10);
    assert.equal((await rows(dbUrl)).size, 0, 'nothing in the location table');
    sipd.child.kill('SIGTERM');
    await sipd.exited;
    assert.equal((await rows(dbUrl)).size, 0, 'not even after a graceful stop');
    sipd = await runSipdWith(dir, memoryOnly);
    assert.deepEqual(await dumpedAors(sipd.socket), []);
    sipd.child.kill('SIGKILL');
    await sipd.exited;
  });
});

if (await mysqlAvailable('durability on MariaDB')) {
  describe('a 200 OK to REGISTER means durable on MariaDB', { timeout: 120000 }, () => {
    test(`MariaDB: ${N} bindings acknowledged in a burst are all stored and back after a restart; so are removals`, async () => {
      const db = await createThrowawayDb('sipkit_durable');
      try {
        await killedAfterLast200(newDir(), db.url);
      } finally {
        await db.drop();
      }
    });
  });
}
