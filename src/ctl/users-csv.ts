/**
 * The file of `sipctl add --from-file`: one subscriber per line, `user[@domain],password`, UTF-8.
 *
 * - A field may be double-quoted (RFC 4180: `""` inside is one quote), for passwords holding a
 *   comma or a quote; a quoted field cannot span lines.
 * - Columns after the password (kamctl exports carry an email address) are ignored: the Kamailio
 *   5.x subscriber table has no column for them.
 * - Empty lines and lines starting with `#` are skipped; the first other line is a header, and
 *   skipped, when its first two fields are `user` (or `username`, `aor`, `user@domain`) and
 *   `password`, in any case.
 * - A user without @domain gets the default domain (--domain, else SIP_DOMAIN).
 * - The password is taken as written (no trimming; a CRLF line end is not part of it); the user is
 *   trimmed.
 *
 * Every problem names its line (1-based, as an editor shows it).
 */
import { usageError } from '../shared/errors.js';
import { parseUser, type UserRef } from './aor.js';

export interface CsvUser extends UserRef {
  password: string;
  /** 1-based line of the file. */
  line: number;
}

const HEADER_USER = new Set(['user', 'username', 'aor', 'user@domain']);

/** Splits one line into fields (RFC 4180 quoting); throws a message on a broken quote. */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('a quoted field is not closed (quoted fields cannot span lines)');
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== ',') throw new Error('text after a closing quote (expected a comma)');
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      out.push(c < 0 ? line.slice(i) : line.slice(i, c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) return out;
    i++; // the comma
    if (i === line.length) return [...out, ''];
  }
}

/** Parses the whole file; `source` names it in errors ("users.csv", "stdin"). */
export function parseUsersCsv(text: string, defaultDomain: string | undefined, source: string): CsvUser[] {
  const users: CsvUser[] = [];
  let first = true;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const n = i + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const where = `${source} line ${n}`;
    let fields: string[];
    try {
      fields = csvFields(line);
    } catch (e) {
      throw usageError(`${where}: ${(e as Error).message}`);
    }
    const isHeader =
      first && HEADER_USER.has(fields[0]!.trim().toLowerCase()) && fields[1]?.trim().toLowerCase() === 'password';
    first = false;
    if (isHeader) return;
    if (fields.length < 2 || fields[1] === '') {
      throw usageError(`${where}: expected user[@domain],password`, ['see "sipctl add --help" for the format']);
    }
    let u: UserRef;
    try {
      u = parseUser(fields[0]!.trim(), defaultDomain);
    } catch (e) {
      throw usageError(`${where}: ${(e as Error).message}`);
    }
    users.push({ ...u, password: fields[1]!, line: n });
  });
  if (users.length === 0) throw usageError(`${source}: no subscribers in it`);
  return users;
}
