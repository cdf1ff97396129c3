/**
 * `sipctl add --from-file` (issue 16, "Bulk"): 10,000 subscribers in one transaction on SQLite and
 * on MariaDB (a throwaway database, dropped after), with digest hashes a phone can use; a bad last
 * row (after 9,999 good ones) leaves the table as it was and names its line; stdin with `-`,
 * quoted passwords, an optional header, comments, and the default domain.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { computeHa1 } from '../../../src/core/auth/ha1.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { createThrowawayDb, requireMysql, serverAddress } from '../../helpers/mysql.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const N = 10_000;
const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-bulk-');
after(() => box.cleanup());

/** N users u0..u(N-1)@example.com with header and an ignored email column; `bad` appends a row. */
function usersCsv(file: string, bad?: string): string {
  const lines = ['user,password,email'];
  for (let i = 0; i < N; i++) lines.push(`u${i}@example.com,pw-${i},u${i}@mail.example`);
  if (bad !== undefined) lines.push(bad);
  writeFileSync(join(box.dir, file), lines.join('\n') + '\n');
  return join(box.dir, file);
}

interface Bulk {
  added: number;
  domains: string[];
}

describe('bulk add on SQLite', () => {
  const url = () => ['--db-url', `sqlite:${join(box.dir, 'bulk.db')}`];
  const count = () => {
    const db = new Database(join(box.dir, 'bulk.db'), { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM subscriber').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  test('a bad last row after 9,999 good ones: nothing is added, the error names line and reason', async () => {
    await box.ok(['db', 'init', ...url()]);
    // Line 1 is the header, so the users are lines 2..N+1 and the bad row is N+2.
    const file = usersCsv('bad.csv', 'u17@example.com,again');
    const { human, json } = await box.fails(['add', '--from-file', file, ...url()], ExitCode.CONFLICT, {
      code: 'DB_CONFLICT',
    });
    assert.equal(json.error?.message, `${file} line ${N + 2}: u17@example.com is listed twice; nothing was added`);
    assert.match(human.stderr, /line 10002: u17@example\.com is listed twice; nothing was added/);
    assert.equal(count(), 0, 'rolled back');
    const syntax = usersCsv('syntax.csv', 'no-password-here');
    await box.fails(['add', '--from-file', syntax, ...url()], ExitCode.USAGE, { message: /line 10002: expected/ });
    assert.equal(count(), 0);
  });

  test('10,000 subscribers in one run; their hashes are right; a second run conflicts on line 2', async () => {
    const file = usersCsv('users.csv');
    const started = Date.now();
    const r = await box.json<Bulk>(['add', '--from-file', file, ...url()], { timeoutMs: 120_000 });
    const ms = Date.now() - started;
    assert.deepEqual([r.added, r.domains], [N, ['example.com']]);
    assert.equal(count(), N);
    const db = new Database(join(box.dir, 'bulk.db'), { readonly: true });
    const row = db.prepare("SELECT ha1 FROM subscriber WHERE username = 'u4242'").get() as { ha1: string };
    db.close();
    assert.equal(row.ha1, computeHa1('u4242', 'example.com', 'pw-4242'));
    process.stderr.write(`# bulk add of ${N} on SQLite: ${ms} ms (whole sipctl run)\n`);
    const again = await box.fails(['add', '--from-file', file, ...url()], ExitCode.CONFLICT, {
      message: /line 2: u0@example\.com is already a subscriber; nothing was added/,
    });
    assert.ok(again);
    assert.equal(count(), N);
  });

  test('stdin (-), quoted passwords, comments, and users without @domain', async () => {
    const csv = '# office\n\nann,"a,b""c"\r\nben@example.org,plain\n';
    const r = await box.json<Bulk>(['add', '--from-file', '-', ...url()], { input: csv });
    assert.deepEqual([r.added, r.domains], [2, ['example.com', 'example.org']]);
    const db = new Database(join(box.dir, 'bulk.db'), { readonly: true });
    const ann = db.prepare("SELECT ha1 FROM subscriber WHERE username = 'ann'").get() as { ha1: string };
    db.close();
    assert.equal(ann.ha1, computeHa1('ann', 'example.com', 'a,b"c'));
    await box.fails(['add', 'x', '--from-file', '-', ...url()], ExitCode.USAGE, { input: csv });
  });
});

test('bulk add on MariaDB: 10,000 in one transaction, a bad row rolls back', async (t) => {
  if (!(await requireMysql(t))) return;
  const db = await createThrowawayDb('sipkit_sipctl_bulk');
  try {
    const a = serverAddress();
    const env = {
      DBENGINE: 'MYSQL',
      DBHOST: a.host,
      DBPORT: String(a.port),
      DBNAME: db.name,
      DBRWUSER: a.user,
      DBRWPW: a.password,
    };
    await box.ok(['db', 'init'], { env });
    const count = async () => {
      const [rows] = await db.admin.query('SELECT COUNT(*) AS n FROM subscriber');
      return Number((rows as Array<{ n: number }>)[0]!.n);
    };
    const bad = usersCsv('my-bad.csv', 'bad user@,x');
    await box.fails(['add', '--from-file', bad], ExitCode.USAGE, { env, message: /line 10002/ });
    // The last of 10,001 rows repeats the 18th: the whole file is refused.
    const dup = usersCsv('my-dup.csv', 'u17@example.com,x');
    const r = await box.run(['add', '--from-file', dup, '--json'], { env, timeoutMs: 120_000 });
    assert.equal(r.status, ExitCode.CONFLICT, r.stdout);
    assert.match(r.json().error?.message ?? '', /line 10002: u17@example\.com is listed twice; nothing was added/);
    assert.equal(await count(), 0, 'rolled back');
    const started = Date.now();
    const ok = await box.json<Bulk>(['add', '--from-file', usersCsv('my.csv')], { env, timeoutMs: 120_000 });
    process.stderr.write(`# bulk add of ${N} on MariaDB: ${Date.now() - started} ms (whole sipctl run)\n`);
    assert.equal(ok.added, N);
    assert.equal(await count(), N);
  } finally {
    await db.drop();
  }
});
