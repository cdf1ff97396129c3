/**
 * [rtpengine] in sipd.conf: socket specs with weights, the modes, and the rules check-config
 * reports (src/daemon/config/schema.ts, src/daemon/rtpengine/socket-spec.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../../src/daemon/config/load.js';
import { parseRtpengineSocket } from '../../../../src/daemon/rtpengine/socket-spec.js';
import type { Paths } from '../../../../src/shared/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'sipd-rtpe-conf-'));
const paths: Paths = { configFile: join(dir, 'absent.conf'), dataDir: join(dir, 'data'), runDir: join(dir, 'run') };
after(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const f = join(dir, `c${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(f, text);
  return loadConfig({ paths, configFile: f });
}

function problems(text: string): Array<{ key: string; message: string }> {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail('expected problems');
}

describe('[rtpengine] config', () => {
  test('defaults: no sockets, mode nat, 503 on failure', () => {
    const c = load('');
    assert.deepEqual(c.rtpengine, {
      sockets: [],
      mode: 'nat',
      timeout_ms: 1000,
      retries: 2,
      disable_time: 60,
      on_failure: '503',
      max_call_time: 43200,
      check_time: 60,
    });
  });

  test('socket specs: udp:IP:PORT with an optional weight; IPv6 in brackets', () => {
    assert.deepEqual(parseRtpengineSocket('udp:127.0.0.1:2223'), {
      socket: 'udp:127.0.0.1:2223',
      host: '127.0.0.1',
      port: 2223,
      weight: 1,
    });
    assert.equal(parseRtpengineSocket('udp:[::1]:2223=0').weight, 0);
    assert.equal(parseRtpengineSocket('udp:[::1]:2223=0').host, '::1');
    for (const bad of [
      '127.0.0.1:2223',
      'tcp:127.0.0.1:2223',
      'udp:rtp.example.com:2223',
      'udp:1.2.3.4:0',
      'udp:1.2.3.4:22=101',
    ])
      assert.throws(() => parseRtpengineSocket(bad), Error, bad);
  });

  test('check-config reports bad sockets, modes and "always" without sockets', () => {
    const p = problems(
      '[rtpengine]\nsockets = ["udp:127.0.0.1:2223", "udp:rtp.example.com:2223"]\nmode = "sometimes"\n',
    );
    assert.deepEqual(p.map((x) => x.key).sort(), ['rtpengine.mode', 'rtpengine.sockets[1]']);
    assert.match(p.find((x) => x.key === 'rtpengine.sockets[1]')!.message, /not an IP address/);
    const q = problems('[rtpengine]\nmode = "always"\non_failure = "ignore"\n');
    assert.deepEqual(q.map((x) => x.key).sort(), ['rtpengine.mode', 'rtpengine.on_failure']);
    assert.match(q.find((x) => x.key === 'rtpengine.mode')!.message, /needs rtpengine.sockets/);
  });
});
