/**
 * Which 3PCC role a run plays (SIPp's computeSippMode and open_connections) and SIPp's errors for
 * what does not fit, found before any socket is opened; the -slave_cfg file format.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SippError } from '../../../src/loadgen/errors.js';
import { parseCommandLine } from '../../../src/loadgen/options/parse-args.js';
import type { RunOptions } from '../../../src/loadgen/options/run-options.js';
import { builtinScenario } from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import { parseSlaveCfg, parseTwinAddress, planTwin } from '../../../src/loadgen/twin/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'twin-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const load = (text: string) => loadScenario({ text, source: 'my.xml', fileBase: 'my' }, newLoadContext());
const opts = (...argv: string[]) => {
  const p = parseCommandLine(['127.0.0.1', ...argv]);
  assert.equal(p.kind, 'run');
  return (p as { options: RunOptions }).options;
};
const wrap = (body: string) => `<?xml version="1.0"?>\n<scenario name="t">\n${body}\n</scenario>\n`;
const SEND = '<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nCall-ID: [call_id]\nContent-Length: 0\n]]></send>';
const CMD = (attrs = '') => `<sendCmd ${attrs}><![CDATA[\nCall-ID: [call_id]\nFrom: m\n]]></sendCmd>`;
const fails = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof SippError && e.exitCode === 255 && re.test(e.message));

test('the built-in 3PCC scenarios: controller A sends first, controller B receives first', () => {
  const ca = load(builtinScenario('3pcc-C-A'));
  assert.equal(ca.mode, 'client');
  assert.equal(ca.commands, 'send-first');
  assert.deepEqual(
    ca.messages.map((m) => m.kind),
    ['send', 'recv', 'recv', 'recv', 'recv', 'sendCmd', 'recvCmd', 'send', 'pause', 'send', 'recv'],
  );
  const cb = load(builtinScenario('3pcc-C-B'));
  assert.equal(cb.mode, 'server');
  assert.equal(cb.sendMode, 'client');
  assert.equal(cb.commands, 'recv-first');
  assert.equal(load(builtinScenario('3pcc-A')).commands, 'none');
  const a = planTwin(opts('-3pcc', '127.0.0.1:7000'), ca)!;
  assert.equal(a.role, 'controller-a');
  assert.deepEqual(a.peers.get('twin'), { host: '127.0.0.1', port: 7000 });
  assert.equal(a.listen, undefined);
  assert.equal(a.createsCalls, false);
  const b = planTwin(opts('-3pcc', '127.0.0.1'), cb)!;
  assert.equal(b.role, 'controller-b');
  assert.deepEqual(b.listen, { host: '127.0.0.1', port: 6060 });
  assert.equal(b.createsCalls, true);
});

test('a server that sends a command first is a passive controller A', () => {
  const s = load(wrap(`<recv request="INVITE"/>${CMD()}`));
  assert.equal(planTwin(opts('-3pcc', '127.0.0.1:7000'), s)!.role, 'a-passive');
});

test("SIPp's errors when the command line and the scenario disagree", () => {
  const ca = load(builtinScenario('3pcc-C-A'));
  const cb = load(builtinScenario('3pcc-C-B'));
  fails(() => planTwin(opts(), ca), /sendCmd message found in scenario but no twin sipp address/);
  fails(() => planTwin(opts(), cb), /recvCmd message found in scenario but no twin sipp address/);
  fails(() => planTwin(opts('-3pcc', '127.0.0.1:1'), load(builtinScenario('uac'))), /TwinSipp Mode enabled/);
  const cfg = join(dir, 'cfg');
  writeFileSync(cfg, 'm;127.0.0.1:7001\ns1;127.0.0.1:7002\n');
  fails(() => planTwin(opts('-slave', 's1', '-slave_cfg', cfg), ca), /master scenario but -master option not set/);
  fails(() => planTwin(opts('-master', 'm', '-slave_cfg', cfg), cb), /slave scenario but -slave option not set/);
  fails(() => planTwin(opts('-master', 'm', '-slave_cfg', cfg), ca), /You must specify a 'dest' for sendCmd/);
  const m = load(wrap(`${CMD('dest="s9"')}<recvCmd src="s1"/>${SEND}`));
  fails(() => planTwin(opts('-master', 'm', '-slave_cfg', cfg), m), /get_peer_addr: Peer s9 not found/);
  fails(() => planTwin(opts('-master', 'm', '-slave_cfg', join(dir, 'none')), m), /Can not open slave_cfg file/);
});

test('extended 3PCC: the master listens on its own address and connects to the peers it names', () => {
  const cfg = join(dir, 'cfg2');
  writeFileSync(cfg, 'm;127.0.0.1:7001\ns1;127.0.0.1:7002\ns2;[::1]:7003\n');
  const m = load(wrap(`${CMD('dest="s1"')}<recvCmd src="s1"/>${CMD('dest="s2"')}<recvCmd src="s2"/>${SEND}`));
  assert.equal(m.messages[0]!.cmdDest, 's1');
  assert.equal(m.messages[1]!.cmdSrc, 's1');
  const plan = planTwin(opts('-master', 'm', '-slave_cfg', cfg), m)!;
  assert.equal(plan.role, 'master');
  assert.deepEqual(plan.listen, { host: '127.0.0.1', port: 7001 });
  assert.deepEqual([...plan.peers.keys()], ['s1', 's2']);
  assert.deepEqual(plan.peers.get('s2'), { host: '::1', port: 7003 });
  const slave = load(wrap(`<recvCmd src="m"/>${SEND}${CMD('dest="m"')}`));
  const sp = planTwin(opts('-slave', 's2', '-slave_cfg', cfg), slave)!;
  assert.equal(sp.role, 'slave');
  assert.equal(sp.createsCalls, true);
  assert.deepEqual(sp.listen, { host: '::1', port: 7003 });
});

test('-slave_cfg lines and addresses as SIPp reads them', () => {
  const cfg = parseSlaveCfg('m;127.0.0.1:6000\r\n\nbad line\ns1;;host.example:6001\ns2;10.0.0.1\n');
  assert.deepEqual([...cfg.keys()], ['m', 's1', 's2']);
  assert.deepEqual(cfg.get('m'), { host: '127.0.0.1', port: 6000 });
  assert.deepEqual(cfg.get('s1'), { host: 'host.example', port: 6001 });
  assert.deepEqual(cfg.get('s2'), { host: '10.0.0.1', port: 6060 });
  assert.deepEqual(parseTwinAddress('[::1]:9'), { host: '::1', port: 9 });
});

test('<sendCmd> needs its CDATA; <recvCmd> optional values as on <recv>; SIP is needed too', () => {
  assert.throws(() => load(wrap(CMD())), /Unable to determine send mode of the tool/);
  assert.throws(() => load(wrap('<sendCmd/>')), /No CDATA in 'sendCmd' section/);
  assert.throws(() => load(wrap('<recvCmd optional="maybe"/>')), /Could not understand optional value/);
});
