/**
 * Injection files (-inf): a first line SEQUENTIAL, RANDOM or USER (optionally
 * PRINTF=n[,PRINTFMULTIPLE=m][,PRINTFOFFSET=k]), then one line per call with ";"-separated fields,
 * "#" comment lines, and reading stopping at the first empty line, as SIPp's FileContents.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SippError, usageError } from '../errors.js';

type Order = 'SEQUENTIAL' | 'RANDOM' | 'USER';

export class InjectionFile {
  readonly name: string;
  private readonly lines: string[] = [];
  private readonly order: Order;
  private counter = 0;
  private printf = false;
  private virtualLines = 0;
  private printfOffset = 0;
  private printfMultiple = 1;
  private indexField = -1;
  private index?: Map<string, number>;

  constructor(path: string, text?: string) {
    this.name = basename(path);
    let content: string;
    try {
      content = text ?? readFileSync(path, 'latin1');
    } catch {
      throw usageError(`Unable to open file ${path}`);
    }
    const all = content.split('\n').map((l) => l.replace(/\r$/, ''));
    const first = all[0] ?? '';
    if (first.includes('RANDOM')) this.order = 'RANDOM';
    else if (first.includes('SEQUENTIAL')) this.order = 'SEQUENTIAL';
    else if (first.includes('USER')) this.order = 'USER';
    else throw usageError(`Unknown file type (valid values are RANDOM, SEQUENTIAL, and USER) for ${path}:${first}`);
    const num = (key: string): number | undefined => {
      const m = new RegExp(`${key}=([0-9xa-fA-F]+)`).exec(first);
      if (first.includes(key + '=') && !m) throw usageError(`Invalid file ${key} specification for ${path}:${first}`);
      return m ? Number(m[1]) : undefined;
    };
    const v = /PRINTF(?!OFFSET|MULTIPLE)/.test(first) ? num('PRINTF') : undefined;
    if (v !== undefined) {
      if (v === 0) throw usageError(`A printf file must have at least one virtual line ${path}:${first}`);
      this.printf = true;
      this.virtualLines = v;
    }
    this.printfOffset = num('PRINTFOFFSET') ?? 0;
    this.printfMultiple = num('PRINTFMULTIPLE') ?? 1;
    for (const line of all.slice(1)) {
      if (line === '') break;
      if (!line.startsWith('#')) this.lines.push(line);
    }
    if (this.lines.length === 0) throw usageError(`Input file has zero lines: ${path}`);
  }

  get numLines(): number {
    return this.printf ? this.virtualLines : this.lines.length;
  }

  /** The line a new call uses. */
  nextLine(userId: number): number {
    switch (this.order) {
      case 'RANDOM':
        return Math.floor(Math.random() * this.numLines);
      case 'SEQUENTIAL': {
        const l = this.counter;
        this.counter = (this.counter + 1) % this.numLines;
        return l;
      }
      case 'USER':
        if (userId === 0) return -1;
        if (userId - 1 >= this.numLines)
          throw new SippError(`${this.name} has only ${this.numLines} lines, yet user ${userId} was requested.`);
        return userId - 1;
    }
  }

  field(lineNum: number, field: number): string {
    if (lineNum < 0 || lineNum >= this.numLines) return '';
    const line = this.lines[this.printf ? lineNum % this.lines.length : lineNum]!;
    const parts = line.split(';');
    if (field >= parts.length) return '';
    const x = parts[field]!;
    if (!this.printf || !x.includes('%')) return x;
    return x.replace(/%(%|[-0-9.]*d)/g, (m, spec: string) => {
      if (spec === '%') return '%';
      const n = this.printfOffset + lineNum * this.printfMultiple;
      const w = /^(-)?(0)?(\d+)?/.exec(spec.slice(0, -1))!;
      const s = String(n);
      const width = Number(w[3] ?? 0);
      if (w[1]) return s.padEnd(width);
      return w[2] ? s.padStart(width, '0') : s.padStart(width);
    });
  }

  /** Field `field` of every line of the file as written (printf files: before the %d expansion). */
  *writtenFields(field: number): Generator<{ line: number; value: string }> {
    for (const [line, text] of this.lines.entries()) {
      const value = text.split(';')[field];
      if (value !== undefined) yield { line, value };
    }
  }

  buildIndex(field: number): void {
    this.indexField = field;
    this.index = new Map();
    for (let i = 0; i < this.numLines; i++) this.index.set(this.field(i, field), i);
  }

  lookup(key: string): number {
    if (this.indexField < 0 || !this.index) throw new SippError(`Invalid Index File: ${this.name}`);
    return this.index.get(key) ?? -1;
  }

  insert(value: string): void {
    if (this.printf) throw new SippError(`Can not insert or replace into a printf file: ${this.name}`);
    this.lines.push(value);
    if (this.index) this.index.set(this.field(this.lines.length - 1, this.indexField), this.lines.length - 1);
  }

  replace(line: number, value: string): void {
    if (this.printf) throw new SippError(`Can not insert or replace into a printf file: ${this.name}`);
    if (line < 0 || line >= this.lines.length)
      throw new SippError(`Invalid line number (${line}) for file: ${this.name} (${this.lines.length} lines)`);
    if (this.index) {
      const old = this.field(line, this.indexField);
      if (this.index.get(old) === line) this.index.delete(old);
    }
    this.lines[line] = value;
    if (this.index) this.index.set(this.field(line, this.indexField), line);
  }
}
