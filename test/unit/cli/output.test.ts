import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorLevel, formatCell, renderShow, renderTable, type Column } from '../../../src/cli/output.js';

const ANSI = /\x1b\[/;
const tty = { isTTY: true, getColorDepth: () => 8 };
const pipe = { isTTY: false };

interface Row {
  user: string;
  expires: number;
  ua?: string;
}
const rows: Row[] = [
  { user: 'alice@example.com', expires: 3600, ua: 'Zoiper' },
  { user: 'zoë@例え.jp', expires: 5, ua: '' },
];
const cols: Column<Row>[] = [
  { header: 'AOR', get: 'user' },
  { header: 'EXPIRES', get: 'expires', align: 'right', style: (t, _r, c) => c.green(t) },
  { header: 'USER AGENT', get: (r) => r.ua },
];

test('colour: NO_COLOR and FORCE_COLOR are honoured, pipes and dumb terminals get none', () => {
  assert.equal(colorLevel(tty, {}), 2);
  assert.equal(colorLevel(tty, { NO_COLOR: '1' }), 0);
  assert.equal(colorLevel(tty, { NO_COLOR: '' }), 2, 'an empty NO_COLOR does not count (no-color.org)');
  assert.equal(colorLevel(tty, { TERM: 'dumb' }), 0);
  assert.equal(colorLevel(pipe, {}), 0);
  assert.equal(colorLevel(pipe, { FORCE_COLOR: '1' }), 1, 'FORCE_COLOR colours a pipe');
  assert.equal(colorLevel(pipe, { FORCE_COLOR: '' }), 1);
  assert.equal(colorLevel(pipe, { FORCE_COLOR: '3' }), 3);
  assert.equal(colorLevel(tty, { FORCE_COLOR: '0' }), 0);
  assert.equal(colorLevel(tty, { FORCE_COLOR: 'false' }), 0);
  assert.equal(colorLevel(tty, { FORCE_COLOR: '1', NO_COLOR: '1' }), 1, 'FORCE_COLOR wins, as in Node');
});

test('table without a TTY: aligned plain columns, no ANSI, no trailing spaces, "-" for empty cells', () => {
  const text = renderTable(rows, cols, { tty: false, color: 0 });
  assert.equal(
    text,
    [
      'AOR                EXPIRES  USER AGENT',
      'alice@example.com     3600  Zoiper',
      'zoë@例え.jp              5  -',
    ].join('\n'),
  );
  assert.doesNotMatch(text, ANSI);
  // awk-friendly: every line has the same number of whitespace-separated fields as the header.
  for (const line of text.split('\n').slice(1)) assert.equal(line.trim().split(/\s+/).length, 3);
});

test('table on a TTY: a cli-table3 box; colour only when enabled', () => {
  const plain = renderTable(rows, cols, { tty: true, color: 0 });
  assert.match(plain, /┌─/);
  assert.match(plain, /│ alice@example\.com │ +3600 │ Zoiper +│/);
  assert.doesNotMatch(plain, ANSI);
  const coloured = renderTable(rows, cols, { tty: true, color: 1 });
  assert.match(coloured, ANSI);
  assert.ok(coloured.includes('\x1b[32m3600\x1b[39m'), 'the style function colours the cell');
});

test('FORCE_COLOR into a pipe keeps the plain layout but colours it', () => {
  const text = renderTable(rows, cols, { tty: false, color: 1 });
  assert.doesNotMatch(text, /┌/);
  assert.match(text, ANSI);
});

test('an empty table is just the header', () => {
  assert.equal(renderTable([], cols, { tty: false, color: 0 }), 'AOR  EXPIRES  USER AGENT');
});

test('show layout: aligned key/value lines', () => {
  const text = renderShow(
    { username: 'alice', domain: 'example.com', groups: ['local', 'ld'], rpid: null },
    {
      tty: false,
      color: 0,
    },
  );
  assert.equal(text, ['username: alice', 'domain:   example.com', 'groups:   local, ld', 'rpid:     -'].join('\n'));
  assert.match(renderShow([['a', 1]], { tty: true, color: 1 }), ANSI);
});

test('cells: dates, booleans, objects, newlines', () => {
  assert.equal(formatCell(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '2024-01-02T03:04:05.000Z');
  assert.equal(formatCell(true), 'yes');
  assert.equal(formatCell({ a: 1 }), '{"a":1}');
  assert.equal(formatCell('two\nlines\tand tab'), 'two lines and tab');
  assert.equal(formatCell(0), '0');
  assert.equal(formatCell(undefined), '-');
});
