/**
 * A parser for sh-style resource files (kamctlrc, openserctlrc, sipctlrc). kamctl sources these
 * files with `.`, which runs any command in them; we READ them and never run anything. What is
 * understood: `KEY=value` assignments (optionally after `export`), comments (`#` at the start of a
 * word), single quotes (literal), double quotes (with \" \\ \$ \` escapes), backslash escapes in
 * bare words, `$NAME` and `${NAME}` expansion of earlier keys and environment variables, and `~/`
 * at the start of a bare value. Anything that would need a shell (command substitution, `${X:-y}`,
 * `if`, several words after `=`) is a syntax error naming the file and line, never run.
 */
import { usageError, type CliError } from '../shared/errors.js';

/** Looks up a variable for `$NAME` expansion: keys assigned so far, then the environment. */
export type Lookup = (name: string) => string | undefined;

export interface RcAssignment {
  key: string;
  value: string;
  line: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

class Scanner {
  pos = 0;
  line = 1;
  constructor(
    readonly text: string,
    readonly source: string,
  ) {}
  get done() {
    return this.pos >= this.text.length;
  }
  peek(offset = 0) {
    return this.text[this.pos + offset];
  }
  next(): string {
    const ch = this.text[this.pos++];
    if (ch === '\n') this.line++;
    return ch;
  }
  error(what: string): CliError {
    return usageError(`${this.source}:${this.line}: ${what}`, [
      'the file is read as KEY=value lines (sh syntax, never run): fix or remove that line',
    ]);
  }
  skipBlanks() {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  skipComment() {
    if (this.peek() === '#') while (!this.done && this.peek() !== '\n') this.pos++;
  }
  name(): string | undefined {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
}

const isWordEnd = (ch: string | undefined) =>
  ch === undefined || ch === ' ' || ch === '\t' || ch === '\n' || ch === ';';

function expand(s: Scanner, lookup: Lookup): string {
  // s.peek() === '$'
  s.next();
  if (s.peek() === '(') throw s.error('command substitution $(...) is not supported');
  if (s.peek() === '{') {
    s.next();
    const name = s.name();
    if (!name || s.peek() !== '}') throw s.error('only ${NAME} is supported inside ${...}');
    s.next();
    return lookup(name) ?? '';
  }
  const name = s.name();
  if (!name) return '$';
  return lookup(name) ?? '';
}

function singleQuoted(s: Scanner): string {
  s.next();
  let out = '';
  while (!s.done && s.peek() !== "'") out += s.next();
  if (s.done) throw s.error('unterminated single quote');
  s.next();
  return out;
}

function doubleQuoted(s: Scanner, lookup: Lookup): string {
  s.next();
  let out = '';
  while (!s.done && s.peek() !== '"') {
    const ch = s.peek();
    if (ch === '\\') {
      const nx = s.peek(1);
      if (nx === '"' || nx === '\\' || nx === '$' || nx === '`') {
        s.next();
        out += s.next();
      } else if (nx === '\n') {
        s.next();
        s.next();
      } else out += s.next();
    } else if (ch === '$') out += expand(s, lookup);
    else if (ch === '`') throw s.error('command substitution `...` is not supported');
    else out += s.next();
  }
  if (s.done) throw s.error('unterminated double quote');
  s.next();
  return out;
}

/** The value after `=`: one sh word made of bare, quoted and expanded parts. */
function word(s: Scanner, lookup: Lookup, home: string | undefined): string {
  let out = '';
  if (s.peek() === '~' && (s.peek(1) === '/' || isWordEnd(s.peek(1))) && home) {
    s.next();
    out = home;
  }
  while (!isWordEnd(s.peek())) {
    const ch = s.peek();
    if (ch === "'") out += singleQuoted(s);
    else if (ch === '"') out += doubleQuoted(s, lookup);
    else if (ch === '$') out += expand(s, lookup);
    else if (ch === '`') throw s.error('command substitution `...` is not supported');
    else if (ch === '\\') {
      s.next();
      if (s.peek() === '\n') s.next();
      else if (!s.done) out += s.next();
    } else if ('|&<>()'.includes(ch)) throw s.error(`unexpected ${JSON.stringify(ch)}`);
    else out += s.next();
  }
  return out;
}

/**
 * Parse a resource file. `lookup` resolves `$NAME` for names not assigned earlier in the file;
 * `home` expands a leading `~/`. Throws a usage error (exit 2) naming `source:line` on bad syntax.
 */
export function parseRc(text: string, source: string, lookup: Lookup = () => undefined, home?: string): RcAssignment[] {
  const s = new Scanner(text.replace(/\r\n/g, '\n'), source);
  const assigned = new Map<string, string>();
  const look: Lookup = (n) => assigned.get(n) ?? lookup(n);
  const out: RcAssignment[] = [];
  while (!s.done) {
    s.skipBlanks();
    s.skipComment();
    const ch = s.peek();
    if (ch === undefined) break;
    if (ch === '\n' || ch === ';') {
      s.next();
      continue;
    }
    const line = s.line;
    let key = s.name();
    if (key === 'export' && (s.peek() === ' ' || s.peek() === '\t')) {
      s.skipBlanks();
      key = s.name();
      if (key && isWordEnd(s.peek())) continue; // `export KEY` alone: nothing to assign
    }
    if (!key || s.peek() !== '=') {
      const rest = s.text.slice(s.pos).split('\n')[0];
      throw s.error(`expected KEY=value, found ${JSON.stringify(((key ?? '') + rest).trim().slice(0, 40))}`);
    }
    s.next();
    const value = word(s, look, home);
    s.skipBlanks();
    s.skipComment();
    if (!s.done && s.peek() !== '\n' && s.peek() !== ';') {
      throw s.error(`${key}: the value must be one word; quote it ("a b") if it contains spaces`);
    }
    assigned.set(key, value);
    out.push({ key, value, line });
  }
  return out;
}
