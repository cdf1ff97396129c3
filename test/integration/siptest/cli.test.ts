/**
 * The siptest bin's routing: SIPp's command line goes to the runner, siptest's own commands to
 * oclif; exit codes as SIPp's for the runner and as sipkit's for the other commands.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { siptest } from '../../helpers/procs.js';

test('siptest --help lists its commands; -h prints the SIPp option help (exit 99)', async () => {
  const help = await siptest(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /scenario +Inspect scenarios/);
  assert.match(help.stdout, /run +Run a SIPp scenario/);
  const h = await siptest(['-h']);
  assert.equal(h.code, 99);
  assert.match(h.stdout, /-trace_stat +: Write statistics/);
  assert.match(h.stdout, /Exit codes:/);
  const v = await siptest(['-v']);
  assert.equal(v.code, 99);
});

test('scenario dump and validate; a bad option exits 1 naming it', async () => {
  const dump = await siptest(['scenario', 'dump', 'uas']);
  assert.equal(dump.code, 0);
  assert.match(dump.stdout, /<scenario name="Basic UAS responder">/);
  const missing = await siptest(['scenario', 'dump', 'nope', '--json']);
  assert.equal(missing.code, 3);
  assert.equal(JSON.parse(missing.stdout).error.code, 'NO_SCENARIO');
  const bad = await siptest(['127.0.0.1', '-frobnicate']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Invalid argument: '-frobnicate'/);
  const json = await siptest(['127.0.0.1', '-frobnicate', '--json']);
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stdout).status, 1);
});

test('-bg starts the run in a detached child and answers with its PID (exit 99)', async () => {
  const r = await siptest(['127.0.0.1:9', '-sn', 'uac', '-m', '1', '-nostdin', '-timeout', '2', '-bg']);
  const pid = Number(/^Background mode - PID=\[(\d+)\]\n$/.exec(r.stdout)?.[1]);
  assert.equal(r.code, 99, r.stderr);
  assert.ok(pid > 0, r.stdout);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone (its -timeout) */
  }
});
