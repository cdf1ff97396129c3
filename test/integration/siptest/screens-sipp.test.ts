/**
 * Screens 1–9 on a terminal, siptest beside the real SIPp 3.6.1: both run the same UAC scenario
 * (test/fixtures/scenarios/screens-uac.xml) against a sipp UAS, each in its own tmux, and receive
 * the same keys. Each screen must have SIPp's structure (titles, labels, rows; numbers may
 * differ), the variables screen SIPp's very text; "3" then "q" must leave the repartition screen
 * and the statistics screen at exit, and -trace_screen the same screens in the same order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fixturesDir } from '../../helpers/fixtures.js';
import { freeUdpPort, requireSipp, siptestBin } from '../../helpers/procs.js';
import { hasTmux, Pty } from '../../helpers/pty.js';

const { sipp, skip: noSipp } = requireSipp();
const skip = noSipp ?? (hasTmux() ? undefined : 'tmux is not installed');
const dir = mkdtempSync(join(tmpdir(), 'siptest-screens-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TITLE = /^-+ (Scenario|Statistics|Repartition|Variables|Repartition \d) Screen -+ \[1-9\]: Change Screen --$/;
const FOOTER = /^-{6} \[\+\|-\|\*\|\/\]: Adjust rate -{4} \[q\]: Soft exit -{4} \[p\]: Pause traffic -{5}$/;

/** The last complete screen on the terminal: from its last title line to the footer after it. */
function lastScreen(text: string): string[] | undefined {
  const lines = text.split('\n').map((l) => l.trimEnd());
  let start = -1;
  lines.forEach((l, i) => TITLE.test(l) && (start = i));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && FOOTER.test(l));
  return end < 0 ? undefined : lines.slice(start, end + 1);
}

/**
 * A screen without its "Last Error" line: that line tells what went wrong last in that process's
 * run, e.g. SIPp's own "Overload warning: the minor watchdog timer 500ms has been tripped" when a
 * loaded machine starves it for half a second, not what the screen shows.
 */
const withoutLastError = (lines: string[]) => lines.filter((l) => !l.startsWith('Last Error:'));

/** The structure of a screen: numbers, dates and column widths aside; no "Last Error" line. */
const shape = (lines: string[]) =>
  withoutLastError(lines).map((l) => l.replace(/\d+/g, 'N').replace(/\s+/g, ' ').trim());

/** Wait until the terminal shows a complete screen titled `title`; returns it (bounded). */
async function screenTitled(pty: Pty, title: string, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = await pty.screen();
    const s = lastScreen(text);
    if (s && s[0]!.includes(` ${title} Screen `)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no complete "${title}" screen within ${ms} ms:\n${text}`);
}

test('keys 1–9: siptest shows the screens SIPp 3.6.1 shows, and the same ones at exit', { skip }, async () => {
  copyFileSync(join(fixturesDir, 'scenarios', 'screens-uac.xml'), join(dir, 'screens-uac.xml'));
  const [uasPort, sippPort, siptestPort] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  const uas = spawn(sipp!, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-nostdin'], {
    cwd: dir,
    stdio: 'ignore',
  });
  const common = ['-sf', 'screens-uac.xml', '-i', '127.0.0.1', '-r', '5', '-m', '200', '-trace_screen'];
  const remote = `127.0.0.1:${uasPort}`;
  const ptys: Pty[] = [];
  try {
    await new Promise((r) => setTimeout(r, 300));
    const ref = await Pty.start([sipp!, remote, ...common, '-p', String(sippPort)], { cwd: dir, cols: 100 });
    ptys.push(ref);
    const ours = await Pty.start([process.execPath, siptestBin, remote, ...common, '-p', String(siptestPort)], {
      cwd: dir,
      cols: 100,
    });
    ptys.push(ours);
    const both = async (key: string, title: string) => {
      await Promise.all(ptys.map((p) => p.press(key)));
      return Promise.all(ptys.map((p) => screenTitled(p, title)));
    };
    // Let both run a few seconds so every counter and repartition has values.
    await Promise.all(ptys.map((p) => screenTitled(p, 'Scenario', 15_000)));
    await new Promise((r) => setTimeout(r, 3000));
    for (const [key, title] of [
      ['1', 'Scenario'],
      ['2', 'Statistics'],
      ['3', 'Repartition'],
      ['6', 'Repartition 2'],
      ['7', 'Repartition 3'],
    ] as const) {
      const [theirs, mine] = await both(key, title);
      assert.deepEqual(shape(mine!), shape(theirs!), `screen ${key}:\nsiptest:\n${mine!.join('\n')}`);
    }
    const [theirs, mine] = await both('4', 'Variables');
    assert.deepEqual(withoutLastError(mine!), withoutLastError(theirs!));
    // 5 needs -tdmmap in SIPp: the variables screen stays.
    const [still] = await Promise.all([both('5', 'Variables'), new Promise((r) => setTimeout(r, 500))]);
    assert.deepEqual(withoutLastError(still[1]!), withoutLastError(theirs!));
    // "3" then "q": the screen at exit is the repartition screen, then the statistics screen.
    await both('3', 'Repartition');
    await Promise.all(ptys.map((p) => p.press('q')));
    const codes = await Promise.all(ptys.map((p) => p.waitExit(30_000)));
    const exits = await Promise.all(ptys.map(async (p) => closingTitles(await p.screen())));
    assert.deepEqual(exits[1], exits[0]);
    assert.deepEqual(exits[0], ['Repartition', 'Test Terminated', 'Statistics', 'Test Terminated']);
    assert.equal(codes[1], codes[0]);
    const logs = readdirSync(dir).filter((f) => f.endsWith('_screen.log'));
    assert.equal(logs.length, 2, logs.join(' '));
    const [a, b] = logs.map((f) => shape(readFileSync(join(dir, f), 'latin1').split('\n')));
    assert.deepEqual(b, a);
  } finally {
    for (const p of ptys) await p.close();
    uas.kill('SIGKILL');
  }
});

/** Titles and "Test Terminated" lines after the last "Waiting for active calls" footer. */
function closingTitles(text: string): string[] {
  const lines = text.split('\n');
  const from = lines.findLastIndex((l) => l.includes('Waiting for active calls to end'));
  return lines
    .slice(from + 1)
    .map((l) => /^-+ (.+?) Screen -|^-+ (Test Terminated) -/.exec(l.trimEnd()))
    .filter((m) => m !== null)
    .map((m) => m[1] ?? m[2]!);
}
