import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SippError } from '../../../src/loadgen/errors.js';
import { parseCommandLine } from '../../../src/loadgen/options/parse-args.js';
import { parseTime } from '../../../src/loadgen/options/values.js';

const run = (argv: string[]) => {
  const p = parseCommandLine(argv);
  assert.equal(p.kind, 'run');
  return (p as Extract<typeof p, { kind: 'run' }>).options;
};
const fails = (argv: string[], re: RegExp, code = 1) =>
  assert.throws(
    () => parseCommandLine(argv),
    (e: unknown) => e instanceof SippError && e.exitCode === code && re.test(e.message),
  );

test('SIPp defaults', () => {
  const o = run(['127.0.0.1']);
  assert.equal(o.rate, 10);
  assert.equal(o.ratePeriodMs, 1000);
  assert.equal(o.service, 'service');
  assert.equal(o.authPassword, 'password');
  assert.equal(o.transport, 'udp');
  assert.equal(o.multiSocket, false);
  assert.equal(o.maxInviteRetrans, 5);
  assert.equal(o.maxNonInviteRetrans, 9);
  assert.equal(o.t2Ms, 4000);
  assert.equal(o.dumpLogFreqMs, 60000);
  assert.equal(o.deadcallWaitMs, 33000);
  assert.equal(o.defaultBehaviors, 7);
  assert.equal(o.remoteHost, '127.0.0.1');
});

test('time options take SIPp units: -d ms, -timeout s, -rp ms, -fd s', () => {
  const o = run(['h', '-d', '500', '-timeout', '3', '-rp', '2s', '-fd', '1', '-recv_timeout', '1.5s']);
  assert.equal(o.durationMs, 500);
  assert.equal(o.globalTimeoutMs, 3000);
  assert.equal(o.ratePeriodMs, 2000);
  assert.equal(o.dumpLogFreqMs, 1000);
  assert.equal(o.recvTimeoutMs, 1500);
  assert.equal(parseTime('2m', 'x', 1), 120000);
  assert.equal(parseTime('1h', 'x', 1), 3600000);
  assert.throws(() => parseTime('1:30', '-d', 1), /mm:ss not implemented/);
  assert.throws(() => parseTime('5x', '-d', 1), /not a valid time/);
});

test('options start with - or --, in any order; the last positional is the target', () => {
  const o = run(['--sn', 'uas', '-p', '5070', '10.0.0.1:5080', '--trace_stat', '-stf', 'x.csv']);
  assert.equal(o.scenarioName, 'uas');
  assert.equal(o.localPort, 5070);
  assert.equal(o.remoteHost, '10.0.0.1:5080');
  assert.equal(o.traceStat, true);
  assert.equal(o.statFile, 'x.csv');
});

test('transports, keys, globals, behaviours', () => {
  const o = run([
    'h',
    '-t',
    'tn',
    '-key',
    'k1',
    'v1',
    '-key',
    'empty',
    '',
    '-set',
    'g',
    'x',
    '-default_behaviors',
    'all,-bye',
    '-base_cseq',
    '10',
  ]);
  assert.equal(o.transport, 'tcp');
  assert.equal(o.multiSocket, true);
  assert.equal(o.keywords.get('k1'), 'v1');
  assert.equal(o.keywords.get('empty'), '');
  assert.deepEqual(o.globals, [['g', 'x']]);
  assert.equal(o.defaultBehaviors, 6);
  assert.equal(o.baseCseq, 9);
  assert.equal(run(['h', '-nd']).defaultBehaviors, 0);
});

test('unknown options are rejected by name with exit 1, as SIPp', () => {
  fails(['127.0.0.1', '-frobnicate'], /Invalid argument: '-frobnicate'/);
  fails(['127.0.0.1', '-r'], /Missing argument for param '-r'/);
  fails(['127.0.0.1', '-r', 'fast'], /"fast" is not a floating point number/);
  fails(['h', '-default_behaviors', 'nope'], /Unknown default behavior: 'nope'/);
  fails(['h', '-t', 'x1'], /Invalid argument for -t param/);
});

test('options siptest cannot honour are refused by name, not ignored', () => {
  fails(['h', '-tls_crl', 'x.crl'], /-tls_crl is not supported/);
});

test("3PCC options and SIPp's checks of their combinations (ERROR: exit 255)", () => {
  assert.equal(run(['h', '-3pcc', '127.0.0.1:9000']).twinAddress, '127.0.0.1:9000');
  const ext = run(['h', '-slave', 's1', '-slave_cfg', 'cfg']);
  assert.equal(ext.slaveName, 's1');
  assert.equal(ext.slaveCfgFile, 'cfg');
  assert.equal(run(['h', '-master', 'm', '-slave_cfg', 'cfg']).masterName, 'm');
  fails(['h', '-master', 'm', '-3pcc', '127.0.0.1:9'], /-3PCC option is not compatible with -master and -slave/, 255);
  fails(['h', '-3pcc', '127.0.0.1:9', '-slave', 's'], /not compatible with -3PCC option/, 255);
  fails(['h', '-3pcc', '127.0.0.1:9', '-slave_cfg', 'c'], /-slave_cfg and -3pcc options are not compatible/, 255);
  fails(['h', '-master', 'm', '-slave', 's', '-slave_cfg', 'c'], /-slave and -master options are not compatible/, 255);
  fails(['h', '-slave_cfg', 'c'], /-slave_cfg option must be used with -slave or -master option/, 255);
  fails(['h', '-master', 'm'], /-slave_cfg option must be used with -slave or -master option/, 255);
});

test('-h, -h stat, -v, -sd act at once (exit 99 in the runner)', () => {
  assert.deepEqual(parseCommandLine(['-h']), { kind: 'help', topic: 'main' });
  assert.deepEqual(parseCommandLine(['-h', 'stat']), { kind: 'help', topic: 'stat' });
  assert.deepEqual(parseCommandLine([]), { kind: 'help', topic: 'main' });
  assert.deepEqual(parseCommandLine(['-v']), { kind: 'version' });
  assert.deepEqual(parseCommandLine(['-r', 'bad', '-sd', 'uas']), { kind: 'dump', name: 'uas' });
  fails(['-zz', '-h'], /Invalid argument/);
});

test('-t l1/ln: TLS, with the SIPp TLS options', () => {
  const o = run(['h', '-t', 'ln', '-tls_cert', 'c.pem', '-tls_key', 'k.pem', '-tls_version', '1.3']);
  assert.equal(o.transport, 'tls');
  assert.equal(o.multiSocket, true);
  assert.deepEqual([o.tlsCert, o.tlsKey, o.tlsVersion], ['c.pem', 'k.pem', '1.3']);
  assert.equal(run(['h', '-t', 'l1']).multiSocket, false);
});
