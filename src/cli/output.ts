/**
 * Human output of sipkit commands. On a terminal: cli-table3 tables with chalk colour. Anywhere else
 * (pipes, files, scripts): plain columns aligned with spaces and no ANSI codes, one record per line,
 * so `awk`/`cut` work. Colour follows NO_COLOR / FORCE_COLOR (https://no-color.org, Node's rules).
 * None of this is used under --json: BaseCommand prints `{status, result}` there and its print
 * helpers are silent.
 */
import { createRequire } from 'node:module';
import { Chalk, type ChalkInstance } from 'chalk';
import type TableType from 'cli-table3';
import stringWidth from 'string-width';

// cli-table3 is needed only for a terminal; loaded on first use so that commands that never draw a
// box (scripts, --json) do not pay for it at start-up.
const require = createRequire(import.meta.url);
let TableClass: typeof TableType | undefined;
const loadTable = () => (TableClass ??= require('cli-table3') as typeof TableType);

/** The parts of a stream output decisions depend on. process.stdout and process.stderr fit. */
export interface OutputStream {
  isTTY?: boolean;
  getColorDepth?: (env?: Record<string, string | undefined>) => number;
}

export type ColorLevel = 0 | 1 | 2 | 3;

/** How to render for one stream: table layout on a TTY, and a colour level (0 = none). */
export interface RenderMode {
  tty: boolean;
  color: ColorLevel;
}

/**
 * Colour level for a stream. FORCE_COLOR wins (as in Node's tty.getColorDepth): '0'/'false' turn
 * colour off, ''/'true'/'1' force 16 colours, '2'/'3' 256 / truecolor, even into a pipe. Then a
 * non-empty NO_COLOR turns it off. Otherwise colour only on a TTY whose TERM is not "dumb".
 */
export function colorLevel(stream: OutputStream, env: Record<string, string | undefined> = process.env): ColorLevel {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '' || force === 'true' || force === '1') return 1;
    if (force === '2') return 2;
    if (force === '3') return 3;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  const depth = stream.getColorDepth?.(env) ?? 4;
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
}

export function renderModeOf(stream: OutputStream = process.stdout, env = process.env): RenderMode {
  return { tty: Boolean(stream.isTTY), color: colorLevel(stream, env) };
}

/** A chalk instance for a colour level (level 0 returns text unchanged). */
export function colorsFor(level: ColorLevel): ChalkInstance {
  return new Chalk({ level });
}

/** Colours for stdout and stderr under the current environment. */
export const stdoutColors = (): ChalkInstance => colorsFor(colorLevel(process.stdout));
export const stderrColors = (): ChalkInstance => colorsFor(colorLevel(process.stderr));

/** One column of a table: a header, where the cell value comes from, alignment and optional colour. */
export interface Column<R> {
  header: string;
  /** A property of the row, or a function computing the cell. */
  get: (keyof R & string) | ((row: R) => unknown);
  align?: 'left' | 'right';
  /** Colour for a cell on a colour terminal, e.g. `(s, _row, c) => c.green(s)`. Text in, text out. */
  style?: (text: string, row: R, c: ChalkInstance) => string;
}

/**
 * Text of one cell: '-' for null/undefined/'' (so that fields never collapse under awk), ISO time
 * for dates, 'yes'/'no' for booleans, comma-joined arrays, JSON for other objects. Newlines and
 * tabs become spaces so one record stays on one line.
 */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '-' : value.toISOString();
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(formatCell).join(', ');
  const s = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(/[\r\n\t]+/g, ' ');
}

const cellOf = <R>(row: R, col: Column<R>): string =>
  formatCell(typeof col.get === 'function' ? col.get(row) : (row as Record<string, unknown>)[col.get]);

function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - stringWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * A table of rows. TTY: a cli-table3 box with a bold header. Otherwise: a header line and one
 * line per row, columns separated by two spaces, no trailing spaces, no ANSI unless FORCE_COLOR.
 * Returns the text without a final newline ('' for no columns).
 */
export function renderTable<R>(
  rows: readonly R[],
  columns: readonly Column<R>[],
  mode: RenderMode = renderModeOf(),
): string {
  if (columns.length === 0) return '';
  const c = colorsFor(mode.color);
  const cells = rows.map((row) => columns.map((col) => cellOf(row, col)));
  const styled = (text: string, row: R, col: Column<R>) => (col.style && mode.color ? col.style(text, row, c) : text);
  if (mode.tty) {
    const Table = loadTable();
    const table = new Table({
      head: columns.map((col) => c.bold(col.header)),
      colAligns: columns.map((col) => col.align ?? 'left'),
      style: { head: [], border: [] },
    });
    rows.forEach((row, i) => table.push(columns.map((col, j) => styled(cells[i][j], row, col))));
    return table.toString();
  }
  const widths = columns.map((col, j) => Math.max(stringWidth(col.header), ...cells.map((r) => stringWidth(r[j]))));
  const line = (texts: string[], color: (s: string, j: number) => string) =>
    texts
      .map((t, j) =>
        color(j === texts.length - 1 && columns[j].align !== 'right' ? t : pad(t, widths[j], columns[j].align), j),
      )
      .join('  ')
      .trimEnd();
  const out = [
    line(
      columns.map((col) => col.header),
      (s) => (mode.color ? c.bold(s) : s),
    ),
  ];
  rows.forEach((row, i) => out.push(line(cells[i], (s, j) => styled(s, row, columns[j]))));
  return out.join('\n');
}

export type ShowEntries = Record<string, unknown> | ReadonlyArray<readonly [string, unknown]>;

/**
 * A "show" layout for one record: `key: value` lines with the values aligned. On a colour
 * terminal the keys are dimmed; elsewhere plain text. Returns the text without a final newline.
 */
export function renderShow(entries: ShowEntries, mode: RenderMode = renderModeOf()): string {
  const list = Array.isArray(entries) ? entries : Object.entries(entries);
  if (list.length === 0) return '';
  const c = colorsFor(mode.color);
  const width = Math.max(...list.map(([k]) => stringWidth(k))) + 1;
  return list
    .map(([k, v]) => {
      const key = pad(`${k}:`, width);
      return `${mode.color ? c.dim(key) : key} ${formatCell(v)}`.trimEnd();
    })
    .join('\n');
}
