/** Turns better-sqlite3 and file-system errors into StoreErrors that say what to do. */
import { StoreError, storeError } from './errors.js';

interface ErrLike {
  code?: unknown;
  message?: unknown;
}

export function mapSqliteError(err: unknown, where: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as ErrLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : String(err);
  const details = { where, cause: code || undefined };
  if (code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return storeError('DB_CONFLICT', `The row already exists in ${where} (${msg})`, [], details, err);
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return storeError(
      'DB_BUSY',
      `The database ${where} stayed locked by another process`,
      ['Retry; if it persists, look for a process holding a long transaction on the file'],
      details,
      err,
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return storeError(
      'DB_NOT_A_DATABASE',
      `${where} is not an SQLite database (or is damaged)`,
      ['Check the path in the database URL; restore the file from a backup if it was damaged'],
      details,
      err,
    );
  }
  if (
    code === 'SQLITE_READONLY' ||
    code.startsWith('SQLITE_READONLY_') ||
    ['EACCES', 'EPERM', 'EROFS'].includes(code)
  ) {
    return storeError(
      'DB_PERMISSION',
      `No permission to write ${where}`,
      ['Run as the user that owns the database file and its directory, or fix their permissions'],
      details,
      err,
    );
  }
  if (
    code === 'SQLITE_CANTOPEN' ||
    code.startsWith('SQLITE_CANTOPEN_') ||
    ['ENOENT', 'ENOTDIR', 'EEXIST', 'EISDIR'].includes(code)
  ) {
    return storeError(
      'DB_PERMISSION',
      `Cannot open ${where} (${msg})`,
      ['Check that the directory exists and that this user may create and write files in it'],
      details,
      err,
    );
  }
  if (/^no such table: /.test(msg)) {
    return storeError(
      'DB_SCHEMA_MISSING',
      `The database ${where} has no table ${msg.slice('no such table: '.length)}`,
      ['Run "sipctl db init" to create the tables'],
      details,
      err,
    );
  }
  if (/^(table \S+ has no column named|no such column:) /.test(msg)) {
    return storeError(
      'DB_SCHEMA_VERSION',
      `The database ${where} has a table of an unexpected shape: ${msg}`,
      ['Run "sipctl db version" to compare the tables with what sipkit expects'],
      details,
      err,
    );
  }
  return storeError('DB_FAILED', `Database operation failed on ${where}: ${msg}`, [], details, err);
}
