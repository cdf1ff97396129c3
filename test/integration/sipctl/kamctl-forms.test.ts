/**
 * kamctl's forms in sipctl (issue 16): positional `avp list|rm OWNER [ATTRIBUTE [VALUE]]`, an
 * extra argument called so (not "unknown command"), `fifo` as `rpc`, `db smatch|nmatch`, and
 * `db connect` running the real sqlite3 and mariadb clients (the MySQL password in MYSQL_PWD,
 * never in the arguments or the output).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test, type TestContext } from 'node:test';
import { findOnPath } from '../../../src/ctl/db-client.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { createThrowawayDb, isCi, requireMysql, serverAddress } from '../../helpers/mysql.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-forms-');
after(() => box.cleanup());

/** Skips (fails under CI=true) when a Debian client is not installed. */
function needClient(t: TestContext, names: string[], pkg: string): boolean {
  if (findOnPath(names)) return true;
  const why = `${names.join('/')} not installed (Debian package ${pkg})`;
  if (isCi()) assert.fail(why);
  t.skip(why);
  return false;
}

interface AvpRow {
  username: string;
  attribute: string;
  value: string;
}

test('avp list and avp rm take the owner, attribute and value as arguments', async () => {
  await box.ok(['add', 'alice', 'pw']);
  await box.ok(['avp', 'add', 'alice@example.com', 'callfwd', '0', 'sip:bob@example.com']);
  await box.ok(['avp', 'add', 'alice@example.com', 'cfb', '0', 'sip:vm@example.com']);
  const all = await box.json<{ avps: AvpRow[] }>(['avp', 'list', 'alice@example.com']);
  assert.deepEqual(all.avps.map((a) => a.attribute).sort(), ['callfwd', 'cfb']);
  const one = await box.json<{ avps: AvpRow[] }>(['avp', 'list', 'alice@example.com', 'callfwd']);
  assert.deepEqual(
    one.avps.map((a) => [a.username, a.attribute, a.value]),
    [['alice', 'callfwd', 'sip:bob@example.com']],
  );
  // The same value as an argument and a flag is fine; two different ones are a usage error.
  await box.json(['avp', 'list', 'alice@example.com', '-u', 'alice@example.com']);
  await box.fails(['avp', 'list', 'alice@example.com', 'callfwd', '-a', 'cfb'], ExitCode.USAGE, {
    message: /given twice/,
  });
  const rm = await box.json<{ removed: number }>(['avp', 'rm', 'alice@example.com', 'callfwd']);
  assert.equal(rm.removed, 1);
  const left = await box.json<{ avps: AvpRow[] }>(['avp', 'list', 'alice@example.com']);
  assert.deepEqual(
    left.avps.map((a) => a.attribute),
    ['cfb'],
  );
  await box.fails(['avp', 'rm', 'alice@example.com', 'callfwd'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_AVP' });
});

test('an extra argument is "unexpected argument", exit 2, for commands with and without arguments', async () => {
  for (const [args, words, cmd] of [
    [['ps', 'extra'], '"extra"', 'sipctl ps'],
    [['db', 'version', 'now'], '"now"', 'sipctl db version'],
    [['show', 'alice', 'bob', 'carol'], '"bob", "carol"', 'sipctl show'],
    [['avp', 'list', 'a@example.com', 'x', 'y', 'z'], '"z"', 'sipctl avp list'],
  ] as const) {
    const { human, json } = await box.fails([...args], ExitCode.USAGE, { code: 'UNEXPECTED_ARGUMENT' });
    const want = `unexpected argument${words.includes(',') ? 's' : ''} ${words} for "${cmd}"`;
    assert.equal(json.error?.message, want);
    assert.match(human.stderr, new RegExp(want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch(human.stderr, /unknown command/);
  }
  // A typo is still an unknown command, with suggestions.
  const typo = await box.fails(['avp', 'lst'], ExitCode.USAGE, { code: 'UNKNOWN_COMMAND' });
  assert.match(typo.json.error?.actions.join(' ') ?? '', /sipctl avp list/);
});

test('fifo is rpc', async () => {
  const rpc = await box.fails(['rpc', 'core.uptime'], ExitCode.UNREACHABLE, { code: 'NOT_RUNNING' });
  const fifo = await box.fails(['fifo', 'core.uptime'], ExitCode.UNREACHABLE, { code: 'NOT_RUNNING' });
  assert.equal(fifo.json.error?.message, rpc.json.error?.message);
});

test('db smatch / nmatch: the rows where a column equals a value; unknown column exit 3', async () => {
  await box.ok(['add', 'bob', 'pw']);
  const r = await box.json<{ table: string; rows: Array<{ username: string; ha1?: string }> }>([
    'db',
    'smatch',
    'subscriber',
    'username',
    'bob',
  ]);
  assert.deepEqual(
    r.rows.map((x) => x.username),
    ['bob'],
  );
  assert.equal(r.rows[0]!.ha1, undefined, 'no hashes in --json without --show-secrets');
  // A value that would break kamctl's quoting is just a value.
  const none = await box.json<{ rows: unknown[] }>(['db', 'nmatch', 'subscriber', 'username', "x' OR '1'='1"]);
  assert.deepEqual(none.rows, []);
  await box.fails(['db', 'smatch', 'subscriber', 'nope', 'bob'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_COLUMN' });
  await box.fails(['db', 'smatch', 'nope', 'username', 'bob'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_TABLE' });
  const human = await box.ok(['db', 'smatch', 'subscriber', 'username', 'bob']);
  assert.match(human.stdout, /^id +username +domain/m);
});

test('db connect on SQLite: runs sqlite3 on the database; --print and --json only show it', async (t) => {
  if (!needClient(t, ['sqlite3'], 'sqlite3')) return;
  const r = await box.ok(['db', 'connect'], { input: 'SELECT username FROM subscriber ORDER BY username;\n' });
  assert.equal(r.stdout, 'alice\nbob\n');
  const printed = await box.ok(['db', 'connect', '--print']);
  assert.match(printed.stdout, new RegExp(`sqlite3 ${box.dbFile.replaceAll('/', '\\/')}\\n$`));
  const j = await box.json<{ args: string[]; passwordEnv: null }>(['db', 'connect']);
  assert.deepEqual([j.args, j.passwordEnv], [[box.dbFile], null]);
  // The client's own failure is exit 1 (human mode: --json does not run the client).
  const bad = await box.run(['db', 'connect'], { input: 'SELECT * FROM nosuchtable;\n' });
  assert.equal(bad.status, ExitCode.FAILED, bad.stderr);
  assert.match(bad.stderr, /sqlite3 exited with status 1/);
});

test('db connect on MariaDB: the password reaches mariadb through MYSQL_PWD, never argv or stdout', async (t) => {
  if (!needClient(t, ['mariadb', 'mysql'], 'mariadb-client')) return;
  if (!(await requireMysql(t))) return;
  const db = await createThrowawayDb('sipkit_sipctl_connect');
  const user = `sipkit_c_${randomBytes(4).toString('hex')}`;
  const password = `pw'${randomBytes(6).toString('hex')}"x`;
  try {
    await db.admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
    await db.admin.query(`GRANT ALL ON \`${db.name}\`.* TO '${user}'@'%'`);
    const a = serverAddress();
    const env = { DBENGINE: 'MYSQL', DBHOST: a.host, DBPORT: String(a.port), DBNAME: db.name, DBRWUSER: user };
    await box.ok(['db', 'init'], { env: { ...env, DBRWPW: password } });
    await box.ok(['add', 'carol', 'pw'], { env: { ...env, DBRWPW: password } });
    const r = await box.ok(['db', 'connect'], {
      env: { ...env, DBRWPW: password },
      input: 'SELECT username FROM subscriber;\n',
    });
    assert.match(r.stdout, /^username\ncarol\n$/);
    const printed = await box.ok(['db', 'connect', '--print'], { env: { ...env, DBRWPW: password } });
    assert.match(
      printed.stdout,
      new RegExp(`^MYSQL_PWD=… \\S*(mariadb|mysql) --protocol=TCP -h ${a.host} -P ${a.port} -u ${user} ${db.name}\\n$`),
    );
    const j = await box.run(['db', 'connect', '--json'], { env: { ...env, DBRWPW: password } });
    assert.ok(!j.stdout.includes(password) && !printed.stdout.includes(password), 'the password is never printed');
    assert.equal(j.json<{ passwordEnv: string }>().result.passwordEnv, 'MYSQL_PWD');
  } finally {
    await db.admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await db.drop();
  }
});
