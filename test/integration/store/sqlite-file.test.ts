/**
 * The SQLite file itself: default location and permissions, WAL, errors for unusable files, and
 * two processes (think sipd and sipctl) writing and reading the same file at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { dbFileIn, defaultDbUrl } from '../../../src/shared/paths.js';
import { openStore } from '../../../src/store/index.js';
import { rejectsWith } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sipkit-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

describe('sqlite file', () => {
  test('the default URL creates the data directory (0700) and the database file (0600) in WAL mode', async () => {
    const dataDir = join(dir, 'home', '.local', 'share', 'sipkit');
    const store = await openStore(defaultDbUrl(dataDir), { schema: 'create' });
    try {
      assert.equal(statSync(dataDir).mode & 0o777, 0o700);
      assert.equal(statSync(dbFileIn(dataDir)).mode & 0o777, 0o600);
      const [mode] = await store.driver.all<{ journal_mode: string }>('PRAGMA journal_mode');
      assert.equal(mode?.journal_mode, 'wal');
      assert.equal(store.where, `sqlite:${dbFileIn(dataDir)}`);
    } finally {
      await store.close();
    }
  });

  test('sqlite::memory: works for tests', async () => {
    const store = await openStore('sqlite::memory:', { schema: 'create' });
    await store.domains.add('example.com');
    assert.equal(await store.domains.exists('example.com'), true);
    await store.close();
  });

  test('a missing file with create off is DB_NOT_FOUND', async () => {
    const e = await rejectsWith(openStore(`sqlite:${join(dir, 'nope.db')}`, { create: false }), 'DB_NOT_FOUND');
    assert.match(e.message, /does not exist.*sipctl db init/);
  });

  test('a file that is not SQLite is DB_NOT_A_DATABASE', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'these are not the tables you are looking for\n'.repeat(20));
    const e = await rejectsWith(openStore(`sqlite:${file}`), 'DB_NOT_A_DATABASE');
    assert.match(e.message, /notes\.txt is not an SQLite database/);
  });

  test('a directory this user cannot write is DB_PERMISSION', async (t) => {
    if (isRoot) return t.skip('running as root: permissions are not enforced');
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    try {
      const e = await rejectsWith(openStore(`sqlite:${join(locked, 'sub', 'x.db')}`), 'DB_PERMISSION');
      assert.match(e.message, /locked/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  test('a path below a regular file is DB_PERMISSION (cannot create the directory)', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    const e = await rejectsWith(openStore(`sqlite:${join(file, 'x.db')}`), 'DB_PERMISSION');
    assert.match(e.message, /plain-file/);
  });

  test('two processes write the same file while one also reads: no lost or failed writes', async () => {
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const parent = await openStore(url, { schema: 'create' });
    const writer = join(dirname(fileURLToPath(import.meta.url)), 'sqlite-writer.js');
    const N = 150;
    const child = spawn(process.execPath, [writer, url, String(N), 'child'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    let running = true;
    void exited.then(() => (running = false));
    let i = 0;
    let sawChildMidway = false;
    // Keep writing and reading while the child writes (bounded: the child stops after N rows).
    while (running && i < 20 * N) {
      await parent.subscribers.add(`parent-${i}`, 'example.com', 'pw');
      i++;
      const children = (await parent.subscribers.list({ domain: 'example.com' })).length - i;
      if (children > 0 && children < N) sawChildMidway = true;
      await new Promise((r) => setImmediate(r));
    }
    const code = await exited;
    assert.equal(code, 0, err);
    assert.equal(out.trim(), `done ${N}`);
    assert.equal((await parent.subscribers.list()).length, N + i);
    assert.equal((await parent.groups.list()).length, N);
    assert.ok(sawChildMidway, 'the parent read while the child was writing');
    await parent.close();
  });
});
