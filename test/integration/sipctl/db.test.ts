/**
 * sipctl db init|migrate|version|show on SQLite files: a Kamailio-created database is usable as
 * is and migrate adds sipkit's optional ha1_sha256 (filled from kamctl's plaintext passwords),
 * --dry-run changes nothing, and the read-only db commands never create a database file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { computeHa1 } from '../../../src/core/auth/ha1.js';
import { kamailioSchemaSql, kamailioScriptsMissing } from '../../helpers/kamailio.js';
import { isCi } from '../../helpers/mysql.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({}, 'sipctl-db-');
after(() => box.cleanup());

const columns = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('PRAGMA table_info(subscriber)').all() as Array<{ name: string }>).map((c) => c.name);
  } finally {
    db.close();
  }
};

test('db version, migrate and show never create a database; db init does', async () => {
  const file = join(box.dir, 'none.db');
  const url = ['--db-url', `sqlite:${file}`];
  for (const args of [['db', 'version'], ['db', 'migrate'], ['db', 'show', 'subscriber'], ['list']]) {
    const r = await box.run([...args, ...url, '--json']);
    assert.equal(r.status, ExitCode.UNREACHABLE, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.json().error?.code, 'DB_NOT_FOUND');
    assert.equal(existsSync(file), false, `${args.join(' ')} created the file`);
  }
  const init = await box.json<{ created: string[] }>(['db', 'init', ...url]);
  assert.ok(init.created.includes('subscriber') && init.created.includes('version'));
  assert.ok(existsSync(file));
  const human = await box.ok(['db', 'init', ...url]);
  assert.match(human.stdout, /nothing to create in sqlite:.*none\.db: every table exists/);
});

test('a Kamailio-created database: usable, and db migrate adds ha1_sha256 (dry run first)', async (t) => {
  const missing = kamailioScriptsMissing('db_sqlite');
  if (missing) {
    if (isCi()) assert.fail(missing);
    t.skip(missing);
    return;
  }
  const file = join(box.dir, 'kamailio.db');
  const db = new Database(file);
  db.exec(kamailioSchemaSql('db_sqlite'));
  // A subscriber as kamctl writes it with its default STORE_PLAINTEXT_PW=1.
  db.prepare('INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (?, ?, ?, ?, ?)').run(
    'kam',
    'example.com',
    'kam-pw',
    computeHa1('kam', 'example.com', 'kam-pw'),
    '',
  );
  db.close();
  const url = ['--db-url', `sqlite:${file}`];

  const v = await box.json<{ ok: boolean; ha1Sha256: boolean }>(['db', 'version', ...url]);
  assert.deepEqual([v.ok, v.ha1Sha256], [true, false]);
  const shown = await box.json<{ subscribers: Array<{ aor: string; ha1Sha256: null }> }>([
    'list',
    ...url,
    '--show-secrets',
  ]);
  assert.deepEqual(
    shown.subscribers.map((s) => [s.aor, s.ha1Sha256]),
    [['kam@example.com', null]],
  );

  const dry = await box.json<{ addedColumns: string[]; steps: unknown[] }>(['db', 'migrate', '--dry-run', ...url]);
  assert.deepEqual(dry.addedColumns, ['subscriber.ha1_sha256']);
  assert.ok(!columns(file).includes('ha1_sha256'), '--dry-run changed nothing');

  const m = await box.json<{ addedColumns: string[]; filledSha256: number }>(['db', 'migrate', ...url]);
  assert.deepEqual([m.addedColumns, m.filledSha256], [['subscriber.ha1_sha256'], 1]);
  assert.ok(columns(file).includes('ha1_sha256'));
  const again = await box.ok(['db', 'migrate', ...url]);
  assert.match(again.stdout, /nothing to migrate/);
  const after = await box.json<{ subscribers: Array<{ ha1Sha256: string }> }>([
    'show',
    'kam@example.com',
    ...url,
    '--show-secrets',
  ]);
  assert.equal(after.subscribers[0].ha1Sha256, computeHa1('kam', 'example.com', 'kam-pw', 'SHA-256'));
});

test('a table of a newer version is refused by db migrate with what to do (exit 1)', async () => {
  const file = join(box.dir, 'newer.db');
  await box.ok(['db', 'init', '--db-url', `sqlite:${file}`]);
  const db = new Database(file);
  db.prepare("UPDATE version SET table_version = 99 WHERE table_name = 'grp'").run();
  db.close();
  const v = await box.json<{ ok: boolean; tables: Array<{ table: string; state: string }> }>([
    'db',
    'version',
    '--db-url',
    `sqlite:${file}`,
  ]);
  assert.equal(v.ok, false);
  assert.equal(v.tables.find((x) => x.table === 'grp')?.state, 'newer');
  await box.fails(['db', 'migrate', '--db-url', `sqlite:${file}`], ExitCode.FAILED, {
    code: 'DB_SCHEMA_VERSION',
    message: /grp .* version 99/,
  });
  await box.fails(['acl', 'show', '--db-url', `sqlite:${file}`], ExitCode.FAILED, { code: 'DB_SCHEMA_VERSION' });
});
