/**
 * `sipctl db connect` (kamctl db connect): the database's own client, pointed at the database
 * sipctl uses. SQLite: `sqlite3 FILE`. MySQL/MariaDB: `mariadb` (else `mysql`) with host, port,
 * user and database from the URL; the password goes in the environment as MYSQL_PWD, which the
 * client reads, never on the command line, where any local user could read it in `ps`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CliError, failed } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { parseStoreUrl } from '../store/index.js';
import type { CtlSettings } from './context.js';

export interface DbClientCommand {
  /** The program, as found on PATH (a bare name when it is not installed). */
  client: string;
  args: string[];
  /** The environment variable carrying the password, when there is one (its value is never shown). */
  passwordEnv: 'MYSQL_PWD' | null;
  /** Whether `client` was found on PATH. */
  installed: boolean;
}

/** The first of `names` that is an executable file on PATH. */
export function findOnPath(names: readonly string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // Not here.
      }
    }
  }
  return undefined;
}

/** The client command for the database in `settings` (and the password to put in its environment). */
export function dbClientCommand(settings: Pick<CtlSettings, 'dbUrl'>): { cmd: DbClientCommand; password: string } {
  const u = parseStoreUrl(settings.dbUrl);
  if (u.kind === 'sqlite') {
    const found = findOnPath(['sqlite3']);
    return {
      cmd: { client: found ?? 'sqlite3', args: [u.file], passwordEnv: null, installed: !!found },
      password: '',
    };
  }
  const found = findOnPath(['mariadb', 'mysql']);
  // sipkit's driver speaks TCP to "localhost" too; the client would pick the Unix socket unless told.
  const where = u.socketPath ? [`--socket=${u.socketPath}`] : ['--protocol=TCP', '-h', u.host, '-P', String(u.port)];
  return {
    cmd: {
      client: found ?? 'mariadb',
      args: [...where, '-u', u.user, u.database],
      passwordEnv: u.password ? 'MYSQL_PWD' : null,
      installed: !!found,
    },
    password: u.password,
  };
}

/** The command as one shell line (for --print), quoted where needed; the password is not in it. */
export function shellLine(cmd: DbClientCommand): string {
  const q = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return [cmd.client, ...cmd.args].map(q).join(' ');
}

/**
 * Runs the client on this terminal (or on the caller's pipes: `echo 'SELECT 1' | sipctl db
 * connect`) and resolves when it exits. A client that is not installed, or that exits non-zero,
 * is exit 1.
 */
export async function runDbClient(settings: Pick<CtlSettings, 'dbUrl'>): Promise<void> {
  const { cmd, password } = dbClientCommand(settings);
  if (!cmd.installed) {
    const pkg = cmd.passwordEnv !== null || cmd.client !== 'sqlite3' ? 'mariadb-client' : 'sqlite3';
    throw failed(`${cmd.client} is not installed (or not on PATH)`, 'CLIENT_NOT_FOUND', [
      `install it (Debian: apt install ${pkg}), or run "sipctl db connect --print" for the command`,
    ]);
  }
  const env = { ...process.env };
  if (cmd.passwordEnv) env[cmd.passwordEnv] = password;
  const child = spawn(cmd.client, cmd.args, { stdio: 'inherit', env });
  // The client owns the terminal now: Ctrl-C is for it (it cancels a query), not for sipctl.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(signal ? null : code));
    });
    if (status !== 0) {
      throw new CliError(`${cmd.client} exited with status ${status ?? 'killed'}`, ExitCode.FAILED, 'CLIENT_FAILED');
    }
  } finally {
    process.off('SIGINT', ignore);
  }
}
