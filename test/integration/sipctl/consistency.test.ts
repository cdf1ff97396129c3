/**
 * sipctl says the same thing the same way (issue 16, "Consistency"): stop of a stopped sipd (sipctl
 * and sipd, both output modes), a store error's hint printed once, one wording and code for a
 * missing subscriber whichever command meets it, db migrate's closing line counting what it listed,
 * and a database without tables (SQLite and MariaDB) exiting 5 like a database that does not exist.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { createThrowawayDb, requireMysql, serverAddress } from '../../helpers/mysql.js';
import { runBin } from '../../helpers/run-cli.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-cons-');
after(() => box.cleanup());

test('stop of a stopped sipd: exit 0 in both modes, for sipctl and sipd, wasRunning false', async () => {
  const human = await box.run(['stop']);
  assert.equal(human.status, 0);
  assert.match(human.stdout, /sipd is not running/);
  const json = await box.run(['stop', '--json']);
  assert.equal(json.status, 0);
  assert.deepEqual([json.json().status, json.json().result.wasRunning], [0, false]);
  for (const extra of [[], ['--json']]) {
    const r = await runBin('sipd', ['stop', '--run-dir', box.runDir, ...extra], { env: box.fullEnv() });
    assert.equal(r.status, 0, r.stderr);
    if (extra.length) assert.equal(JSON.parse(r.stdout).result.wasRunning, false);
  }
  // The other side of the same rule: status of a stopped sipd is the wrong state.
  await box.run(['status']).then((r) => assert.equal(r.status, ExitCode.STATE));
});

test("a store error's hint is printed once", async () => {
  const r = await box.run(['list', '--db-url', `sqlite:${join(box.dir, 'absent.db')}`]);
  assert.equal(r.status, ExitCode.UNREACHABLE);
  assert.equal(r.stderr.split('sipctl db init').length - 1, 1, r.stderr);
});

test('a missing subscriber: the same words and code from show, passwd and rm', async () => {
  await box.ok(['add', 'alice', 'pw']); // creates the database
  for (const args of [
    ['show', 'nobody'],
    ['passwd', 'nobody', 'pw'],
    ['rm', 'nobody', '--yes'],
  ]) {
    const { human, json } = await box.fails(args, ExitCode.NOT_FOUND, {
      code: 'NO_SUCH_SUBSCRIBER',
      message: /^(Error: )?no subscriber nobody@example\.com$/m,
    });
    assert.doesNotMatch(human.stderr, /sqlite:/, 'no database URL in a not-found message');
    assert.equal(json.error?.message, 'no subscriber nobody@example.com');
  }
});

test('db migrate: the closing line counts the column it listed', async () => {
  const file = join(box.dir, 'old.db');
  await box.ok(['db', 'init', '--db-url', `sqlite:${file}`]);
  const db = new Database(file);
  db.exec('ALTER TABLE subscriber DROP COLUMN ha1_sha256');
  db.close();
  const dry = await box.ok(['db', 'migrate', '--dry-run', '--db-url', `sqlite:${file}`]);
  assert.match(
    dry.stdout,
    /column subscriber\.ha1_sha256 to add\nwould do 0 table upgrade step\(s\) and 1 added column\(s\)\n$/,
  );
  const r = await box.ok(['db', 'migrate', '--db-url', `sqlite:${file}`]);
  assert.match(
    r.stdout,
    /column subscriber\.ha1_sha256 added\ndid 0 table upgrade step\(s\) and 1 added column\(s\)\n$/,
  );
  assert.doesNotMatch(r.stdout, /did 0 step/);
});

test('an SQLite database without tables: exit 5 (DB_SCHEMA_MISSING) in both modes', async () => {
  const file = join(box.dir, 'empty.db');
  new Database(file).close();
  await box.fails(['list', '--db-url', `sqlite:${file}`], ExitCode.UNREACHABLE, {
    code: 'DB_SCHEMA_MISSING',
    message: /sipctl db init/,
  });
});

test('a MariaDB database without tables: exit 5 (DB_SCHEMA_MISSING) in both modes', async (t) => {
  if (!(await requireMysql(t))) return;
  const db = await createThrowawayDb('sipkit_sipctl_empty');
  try {
    const a = serverAddress();
    const env = { DBENGINE: 'MYSQL', DBHOST: a.host, DBPORT: String(a.port), DBNAME: db.name, DBRWUSER: a.user };
    for (const args of [['show', 'alice'], ['add', 'alice', 'pw'], ['list']]) {
      await box.fails(args, ExitCode.UNREACHABLE, { env: { ...env, DBRWPW: a.password }, code: 'DB_SCHEMA_MISSING' });
    }
  } finally {
    await db.drop();
  }
});
