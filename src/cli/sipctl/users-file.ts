/** The text of `sipctl add --from-file FILE|-`: the file, or all of stdin for `-`. */
import { readFile } from 'node:fs/promises';
import { notFound, usageError } from '../../shared/errors.js';

export async function readUsersFile(
  from: string,
  used: { args: { user?: string; password?: string }; passwordStdin: boolean },
): Promise<{ text: string; source: string }> {
  if (used.args.user !== undefined || used.args.password !== undefined) {
    throw usageError('--from-file takes the users from the file: no USER or PASSWORD argument with it');
  }
  if (used.passwordStdin) throw usageError('--from-file has the passwords in the file: leave out --password-stdin');
  if (from === '-') {
    if (process.stdin.isTTY) {
      throw usageError('--from-file - reads a pipe, but stdin is a terminal', ['sipctl add --from-file - < users.csv']);
    }
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
  }
  try {
    return { text: await readFile(from, 'utf8'), source: from };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw notFound(`no file ${from}`, 'NO_SUCH_FILE');
    throw usageError(`cannot read ${from}: ${err.message}`);
  }
}
