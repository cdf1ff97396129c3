import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dialect } from '../../../src/store/driver.js';
import { StoreError } from '../../../src/store/errors.js';
import { createTableSql } from '../../../src/store/schema/ddl.js';
import { assertUsable, type SchemaReport, type TableStatus } from '../../../src/store/schema/manager.js';
import { migrationPath } from '../../../src/store/schema/migrations.js';
import { TABLES } from '../../../src/store/schema/tables.js';
import { checkText } from '../../../src/store/ops/validate.js';
import { kamailioScript, kamailioScriptsAvailable } from '../../helpers/kamailio.js';

const status = (table: string, expected: number, found: number | null, present = true): TableStatus => {
  const state = !present
    ? 'missing'
    : found === null
      ? 'unversioned'
      : found < expected
        ? 'older'
        : found > expected
          ? 'newer'
          : 'ok';
  const migratable = state === 'older' && migrationPath(table, found!, expected) !== null;
  return { table, expected, found, present, state, migratable };
};
const report = (tables: TableStatus[]): SchemaReport => ({
  where: 'sqlite:/x.db',
  dialect: 'sqlite',
  tables,
  ha1Sha256: true,
  uniqueAliasIndex: true,
  ok: tables.every((t) => t.state === 'ok'),
});
const codeOf = (r: SchemaReport) => {
  try {
    assertUsable(r);
    return 'ok';
  } catch (e) {
    return `${(e as StoreError).code}:${JSON.stringify((e as StoreError).details)}`;
  }
};

test('migration paths exist only for the documented Kamailio upgrades', () => {
  assert.deepEqual(
    migrationPath('subscriber', 6, 7)?.map((m) => m.to),
    [7],
  );
  assert.deepEqual(
    migrationPath('location', 8, 9)?.map((m) => m.to),
    [9],
  );
  assert.equal(migrationPath('location', 7, 9), null);
  assert.deepEqual(migrationPath('grp', 2, 2), []);
});

test('the worst schema problem is reported first: newer, stuck, older, missing, unversioned', () => {
  assert.equal(codeOf(report([status('subscriber', 7, 7)])), 'ok');
  assert.equal(
    codeOf(report([status('grp', 2, null, false), status('subscriber', 7, 6), status('location', 9, 10)])),
    'DB_SCHEMA_VERSION:{"table":"location","found":10,"expected":9}',
  );
  assert.equal(
    codeOf(report([status('subscriber', 7, 6), status('location', 9, 3)])),
    'DB_SCHEMA_VERSION:{"table":"location","found":3,"expected":9}',
  );
  assert.equal(
    codeOf(report([status('grp', 2, null, false), status('subscriber', 7, 6)])),
    'DB_SCHEMA_VERSION:{"table":"subscriber","found":6,"expected":7}',
  );
  assert.equal(
    codeOf(report([status('grp', 2, null), status('domain', 2, null, false)])),
    'DB_SCHEMA_MISSING:{"tables":["domain"]}',
  );
});

test('text checks: lengths in characters, NUL and broken UTF-16 refused', () => {
  assert.equal(checkText('subscriber', 'username', '中'.repeat(64), 'u'), '中'.repeat(64));
  assert.throws(() => checkText('subscriber', 'username', 'a'.repeat(65), 'u'), /65 characters long/);
  assert.throws(() => checkText('subscriber', 'username', 'a\0b', 'u'), /NUL/);
  assert.throws(() => checkText('subscriber', 'username', '\uD83D', 'u'), /invalid UTF-16/);
  assert.throws(() => checkText('subscriber', 'username', '', 'u', true), /must not be empty/);
});

/** Statements of a script: comments dropped, whitespace collapsed, INSERTs left out. */
function statements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.replace(/--.*$/gm, '').replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '' && !s.startsWith('INSERT'));
}

if (kamailioScriptsAvailable('db_sqlite', "sipkit's SQLite DDL equals Kamailio's scripts")) {
  test("sipkit's SQLite DDL (without its additions) is Kamailio's script, statement for statement", () => {
    const byScript = new Map<string, string[]>();
    for (const t of TABLES) {
      const list = byScript.get(t.script) ?? [];
      list.push(
        ...createTableSql('sqlite' as Dialect, t, { kamailio: true }).map((s) => s.replace(/\s+/g, ' ').trim()),
      );
      byScript.set(t.script, list);
    }
    for (const [script, ours] of byScript) {
      const theirs = statements(kamailioScript('db_sqlite', script)).filter(
        (s) => !/re_grp/.test(s), // group-create.sql also makes re_grp, which sipkit does not use
      );
      assert.deepEqual(ours, theirs, script);
    }
  });
}
