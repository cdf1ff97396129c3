/**
 * `sipctl db backup FILE` (issue 16): an online SQLite backup while sipd runs on the database (WAL
 * mode: the latest rows are in -wal), restored by putting the copy in place; a MariaDB dump by the
 * real mariadb-dump, restored with the real client into another database. The copy is mode 0600
 * and an existing file is never overwritten (exit 4).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findOnPath } from '../../../src/ctl/db-client.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { createThrowawayDb, isCi, requireMysql, serverAddress } from '../../helpers/mysql.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-bak-');
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
});

const aors = async (extra: string[] = []) =>
  (await box.json<{ subscribers: Array<{ aor: string }> }>(['list', ...extra])).subscribers.map((s) => s.aor).sort();

test('SQLite: online backup while sipd runs, then restore by putting the copy in place', async () => {
  await box.start(['--domain', 'example.com']);
  for (const u of ['ann', 'ben', 'cat']) await box.ok(['add', u, `${u}-pw`]);
  assert.ok(existsSync(`${box.dbFile}-wal`), 'sipd keeps the database in WAL mode');
  const copy = join(box.dir, 'copy.db');
  const r = await box.json<{ file: string; kind: string; bytes: number; pages: number }>(['db', 'backup', copy]);
  assert.deepEqual([r.file, r.kind], [copy, 'sqlite']);
  assert.ok(r.pages > 0 && r.bytes === statSync(copy).size);
  assert.equal(statSync(copy).mode & 0o777, 0o600, 'the copy holds password hashes');
  assert.deepEqual(await aors(['--db-url', `sqlite:${copy}`]), [
    'ann@example.com',
    'ben@example.com',
    'cat@example.com',
  ]);
  await box.fails(['db', 'backup', copy], ExitCode.CONFLICT, { code: 'FILE_EXISTS' });

  // Changes after the backup are lost by the restore: that is what a restore is.
  await box.ok(['add', 'dan', 'dan-pw']);
  await box.stop();
  for (const f of [box.dbFile, `${box.dbFile}-wal`, `${box.dbFile}-shm`]) rmSync(f, { force: true });
  copyFileSync(copy, box.dbFile);
  await box.start(['--domain', 'example.com']);
  assert.deepEqual(await aors(), ['ann@example.com', 'ben@example.com', 'cat@example.com']);
  await box.stop();
});

test('MariaDB: mariadb-dump into FILE, restored with the client into another database', async (t) => {
  if (!findOnPath(['mariadb-dump', 'mysqldump']) || !findOnPath(['mariadb', 'mysql'])) {
    const why = 'mariadb-dump or the mariadb client is not installed (Debian package mariadb-client)';
    if (isCi()) assert.fail(why);
    t.skip(why);
    return;
  }
  if (!(await requireMysql(t))) return;
  const src = await createThrowawayDb('sipkit_sipctl_bak');
  const dst = await createThrowawayDb('sipkit_sipctl_res');
  try {
    const a = serverAddress();
    const env = (name: string) => ({
      DBENGINE: 'MYSQL',
      DBHOST: a.host,
      DBPORT: String(a.port),
      DBNAME: name,
      DBRWUSER: a.user,
      DBRWPW: a.password,
    });
    await box.ok(['db', 'init'], { env: env(src.name) });
    await box.ok(['add', 'eve', 'eve-pw'], { env: env(src.name) });
    const file = join(box.dir, 'dump.sql');
    const r = await box.json<{ kind: string; tool: string }>(['db', 'backup', file], { env: env(src.name) });
    assert.equal(r.kind, 'mysql');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const sql = readFileSync(file, 'utf8');
    assert.match(sql, /CREATE TABLE `subscriber`/);
    const client = findOnPath(['mariadb', 'mysql'])!;
    const restore = spawnSync(client, ['--protocol=TCP', '-h', a.host, '-P', String(a.port), '-u', a.user, dst.name], {
      input: sql,
      env: { ...process.env, MYSQL_PWD: a.password },
    });
    assert.equal(restore.status, 0, restore.stderr.toString());
    const restored = await box.json<{ subscribers: Array<{ aor: string }> }>(['list'], { env: env(dst.name) });
    assert.deepEqual(
      restored.subscribers.map((s) => s.aor),
      ['eve@example.com'],
    );
  } finally {
    await src.drop();
    await dst.drop();
  }
});
