/**
 * `sipctl db backup FILE`: a copy of the database that can be restored.
 *
 * SQLite: an online backup through SQLite's backup API, consistent while sipd runs (the database
 * is in WAL mode: copying only the main file misses what is still in `-wal`). The copy is an
 * ordinary SQLite file: restore by stopping sipd and putting it in place (or point --db-url at it).
 * MySQL/MariaDB: `mariadb-dump` (or `mysqldump`) --single-transaction into FILE, the password in
 * MYSQL_PWD; without the tool, exit 1 with the command to run. Restore with the client:
 * `mariadb DB < FILE`. The file is created with mode 0600 (it holds password hashes) and never
 * overwrites an existing one.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { conflict, failed, usageError } from '../shared/errors.js';
import { parseStoreUrl } from '../store/index.js';
import { SqliteDriver } from '../store/sqlite-driver.js';
import { withStore, type CtlContext } from './context.js';
import { findOnPath } from './db-client.js';

export interface BackupResult {
  file: string;
  kind: 'sqlite' | 'mysql';
  bytes: number;
  /** SQLite: pages copied. */
  pages?: number;
  /** MySQL: the dump tool that wrote the file. */
  tool?: string;
}

/** Creates `file` empty with mode 0600; an existing file is a conflict (exit 4). */
function createPrivate(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') {
      throw conflict(`${file} exists: a backup never overwrites a file`, 'FILE_EXISTS', ['remove it, or name another']);
    }
    throw usageError(`cannot create ${file}: ${err.message}`);
  }
}

export async function backupDb(ctx: CtlContext, target: string): Promise<BackupResult> {
  const file = resolve(target);
  const u = parseStoreUrl(ctx.settings.dbUrl);
  if (u.kind === 'sqlite' && resolve(u.file) === file) throw usageError('the backup file is the database itself');
  if (u.kind === 'mysql') {
    const tool = findOnPath(['mariadb-dump', 'mysqldump']);
    if (!tool) {
      throw failed('mariadb-dump / mysqldump is not installed: no backup made', 'CLIENT_NOT_FOUND', [
        `run it where it is: MYSQL_PWD=… mysqldump --single-transaction -h ${u.host} -P ${u.port} -u ${u.user} ${u.database} > ${target}`,
        'or install it (Debian: apt install mariadb-client)',
      ]);
    }
    // Checked before the file exists, so a bad URL or password leaves no empty file behind.
    await withStore(ctx, 'inspect', async () => undefined);
    createPrivate(file);
    const where = u.socketPath ? [`--socket=${u.socketPath}`] : ['--protocol=TCP', '-h', u.host, '-P', String(u.port)];
    const args = ['--single-transaction', ...where, '-u', u.user, `--result-file=${file}`, u.database];
    const child = spawn(tool, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MYSQL_PWD: u.password },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r, j) => {
      child.once('error', j);
      child.once('exit', (c) => r(c));
    });
    if (code !== 0) {
      unlinkSync(file);
      throw failed(`${tool} failed (status ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`, 'DUMP_FAILED');
    }
    return { file, kind: 'mysql', bytes: statSync(file).size, tool };
  }
  return withStore(ctx, 'read', async (store) => {
    createPrivate(file);
    try {
      if (!(store.driver instanceof SqliteDriver)) throw new Error('internal: an SQLite URL without SQLite driver');
      const { pages } = await store.driver.backup(file);
      return { file, kind: 'sqlite', bytes: statSync(file).size, pages };
    } catch (err) {
      unlinkSync(file);
      throw err;
    }
  });
}
