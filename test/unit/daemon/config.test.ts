import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { defaultFileConfig } from '../../../src/daemon/config/defaults.js';
import { formatListen, parseListen } from '../../../src/daemon/config/listen.js';
import { ConfigError, loadConfig, locateRuntime, redactDbUrl } from '../../../src/daemon/config/load.js';
import { defaultPaths, type Paths } from '../../../src/shared/paths.js';
import { repoRoot } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sipd-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const paths: Paths = { configFile: join(dir, 'absent.conf'), dataDir: join(dir, 'data'), runDir: join(dir, 'run') };

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function problemsOf(fn: () => unknown): Array<{ key: string; message: string }> {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.exitCode, ExitCode.USAGE);
    assert.equal(e.code, 'USAGE');
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('listen addresses', () => {
  test('parses the documented forms (the core transport parser)', () => {
    assert.deepEqual(parseListen('udp:127.0.0.1:5070'), { proto: 'udp', host: '127.0.0.1', port: 5070 });
    assert.deepEqual(parseListen('tcp:[::1]:5070'), { proto: 'tcp', host: '::1', port: 5070 });
    assert.deepEqual(parseListen('UDP:0.0.0.0'), { proto: 'udp', host: '0.0.0.0', port: 5060 });
    assert.deepEqual(parseListen('udp:0.0.0.0:5060;advertise=sip.example.com'), {
      proto: 'udp',
      host: '0.0.0.0',
      port: 5060,
      advertise: { host: 'sip.example.com', port: 5060 },
    });
    assert.equal(formatListen({ proto: 'tcp', host: '::1', port: 5070 }), 'tcp:[::1]:5070');
    assert.equal(
      formatListen(parseListen('udp:10.0.0.5:5060;advertise=203.0.113.9:15060')),
      'udp:10.0.0.5:5060;advertise=203.0.113.9:15060',
    );
  });

  test('rejects malformed ones with a reason', () => {
    assert.throws(
      () => parseListen('127.0.0.1:5060'),
      /unsupported protocol "127.0.0.1" \(expected PROTO:ADDRESS:PORT/,
    );
    assert.throws(() => parseListen('sctp:1.2.3.4:5060'), /unsupported protocol "sctp"/);
    assert.throws(() => parseListen('udp:::1:5060'), /IPv6 addresses go in brackets/);
    assert.throws(() => parseListen('udp:1.2.3.4:70000'), /Invalid port in "1.2.3.4:70000"/);
    assert.throws(() => parseListen('udp:sip.example.com:5060'), /"sip.example.com" is not an IP address/);
    assert.throws(() => parseListen('udp:[::1:5060'), /Unterminated IPv6 reference/);
  });
});

describe('loadConfig', () => {
  test('zero-config: UDP and TCP 5060 on all addresses, SQLite in the data dir, socket in the run dir', () => {
    const c = loadConfig({ paths });
    assert.equal(c.config_file, null);
    assert.deepEqual(c.listen.filter((l) => !l.optional).map(formatListen), ['udp:0.0.0.0:5060', 'tcp:0.0.0.0:5060']);
    assert.deepEqual(c.listen.filter((l) => l.optional).map(formatListen), ['udp:[::]:5060', 'tcp:[::]:5060']);
    assert.equal(c.db_url, `sqlite:${join(paths.dataDir, 'sipkit.db')}`);
    assert.equal(c.mgmt.socket, join(paths.runDir, 'sipd.sock'));
    assert.equal(c.pid_file, join(paths.runDir, 'sipd.pid'));
    assert.equal(c.logging.file, join(paths.runDir, 'sipd.log'));
    assert.equal(c.mgmt.mode, 0o660);
    assert.ok(c.domains.includes('localhost') && c.domains.includes('127.0.0.1'), c.domains.join());
    assert.equal(c.registrar.default_expires, 3600);
    assert.equal(c.auth.nonce_expires, 300);
  });

  test('advertised listen hosts are among the default domains', () => {
    const c = loadConfig({ paths, listen: ['udp:127.0.0.1:0;advertise=sip.example.com:5060'] });
    assert.ok(c.domains.includes('sip.example.com'), c.domains.join());
    assert.deepEqual(c.listen[0].advertise, { host: 'sip.example.com', port: 5060 });
  });

  test('defaults differ for root and other users', () => {
    const root = defaultPaths({}, true);
    assert.equal(root.runDir, '/run/sipkit');
    const user = defaultPaths({ HOME: '/home/alice', XDG_RUNTIME_DIR: '/run/user/1000' }, false);
    assert.equal(user.runDir, '/run/user/1000/sipkit');
    assert.equal(user.dataDir, '/home/alice/.local/share/sipkit');
    assert.equal(loadConfig({ paths: { ...user, configFile: paths.configFile } }).run_dir, '/run/user/1000/sipkit');
  });

  test('the result is deeply frozen', () => {
    const c = loadConfig({ paths });
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.registrar) && Object.isFrozen(c.listen[0]));
    assert.throws(() => ((c.registrar as { min_expires: number }).min_expires = 1), TypeError);
  });

  test('file overrides defaults and flags override the file', () => {
    const f = file(
      'layers.conf',
      `listen = ["udp:127.0.0.1:5070"]\ndomains = ["example.com"]\ndb_url = "sqlite:alt.db"\n` +
        `run_dir = "run-from-file"\n[registrar]\nmax_contacts = 3\n[[acl]]\nprefix = "00"\ngroup = "intl"\n`,
    );
    const c = loadConfig({ paths, configFile: f });
    assert.equal(c.config_file, f);
    assert.deepEqual(c.listen.map(formatListen), ['udp:127.0.0.1:5070']);
    assert.deepEqual(c.domains, ['example.com']);
    assert.equal(c.db_url, `sqlite:${join(paths.dataDir, 'alt.db')}`, 'relative SQLite paths live in the data dir');
    assert.equal(c.run_dir, join(dir, 'run-from-file'), 'relative dirs in the file are relative to the file');
    assert.equal(c.registrar.max_contacts, 3);
    assert.equal(c.registrar.min_expires, 60, 'keys the file does not set keep their defaults');
    assert.deepEqual(c.acl, [{ prefix: '00', group: 'intl' }]);

    const o = loadConfig({
      paths,
      configFile: f,
      cwd: '/srv',
      listen: ['tcp:[::1]:5071', 'udp:127.0.0.1:0'],
      domains: ['b.example'],
      dbUrl: 'mysql://sip:secret@127.0.0.1:3306/sipkit',
      dataDir: 'd',
      runDir: 'r',
    });
    assert.deepEqual(o.listen.map(formatListen), ['tcp:[::1]:5071', 'udp:127.0.0.1:0']);
    assert.deepEqual(o.domains, ['b.example']);
    assert.equal(o.db_url, 'mysql://sip:secret@127.0.0.1:3306/sipkit');
    assert.equal(o.data_dir, '/srv/d');
    assert.equal(o.run_dir, '/srv/r');
    assert.equal(o.mgmt.socket, '/srv/r/sipd.sock');
    assert.equal(redactDbUrl(o.db_url), 'mysql://sip:***@127.0.0.1:3306/sipkit');
  });

  test('an invalid file lists every problem with its key', () => {
    const f = file(
      'bad.conf',
      [
        'listen = ["udp:127.0.0.1:5060", "sctp:1.2.3.4:5", "udp:127.0.0.1:5060"]',
        'db_url = "postgres://x"',
        'registar = 1',
        '[registrar]',
        'min_expires = "60s"',
        'default_expires = 30',
        'max_expires = 20',
        '[timers]',
        't1_ms = -5',
        '[auth]',
        'algorithms = ["MD5", "SHA-1"]',
        '[mgmt]',
        'mode = 0o666',
        '[[acl]]',
        'prefix = "00"',
        'grp = "intl"',
        '[logging]',
        'level = "loud"',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ paths, configFile: f }));
    const keys = problems.map((p) => p.key);
    assert.deepEqual(keys, [
      'acl[0].group',
      'acl[0].grp',
      'auth.algorithms[1]',
      'db_url',
      'listen[1]',
      'listen[2]',
      'logging.level',
      'mgmt.mode',
      'registar',
      'registrar.default_expires',
      'registrar.min_expires',
      'timers.t1_ms',
    ]);
    const msg = (k: string) => problems.find((p) => p.key === k)?.message ?? '';
    assert.match(msg('registar'), /unknown key \(did you mean 'registrar'\?\)/);
    assert.match(msg('acl[0].group'), /missing/);
    assert.match(msg('registrar.min_expires'), /expected a number, got "60s"/);
    assert.match(msg('listen[2]'), /duplicates listen\[0\]/);
    assert.match(msg('mgmt.mode'), /0666 gives other users access/);
    assert.match(msg('registrar.default_expires'), /max_expires/);
  });

  test('problems in flag values are named by the flag', () => {
    const problems = problemsOf(() => loadConfig({ paths, listen: ['udp:127.0.0.1:5060', 'bogus'], dbUrl: 'x' }));
    assert.deepEqual(
      problems.map((p) => p.key),
      ['--db-url', '--listen[1]'],
    );
  });

  test('a TOML syntax error gives line and column', () => {
    const f = file('syntax.conf', 'listen = ["udp:127.0.0.1:5060"\ndomains = [\n');
    const problems = problemsOf(() => loadConfig({ paths, configFile: f }));
    assert.equal(problems.length, 1);
    assert.match(problems[0].key, /^line \d+, column \d+$/);
    assert.match(problems[0].message, /TOML syntax error/);
  });

  test('a missing --config file is a usage error; a missing default file means zero-config', () => {
    const problems = problemsOf(() => loadConfig({ paths, configFile: join(dir, 'nope.conf') }));
    assert.equal(problems[0].key, '--config');
    assert.match(problems[0].message, /no such file/);
    assert.equal(loadConfig({ paths }).config_file, null);
  });

  test('a socket path too long for sun_path is refused', () => {
    const deep = '/tmp/' + 'x'.repeat(110);
    const problems = problemsOf(() => loadConfig({ paths, runDir: deep }));
    assert.equal(problems[0].key, '--run-dir');
    assert.match(problems[0].message, /longer than 107 bytes/);
  });

  test('mgmt.mode accepts TOML octal integers and strings, never access for others', () => {
    assert.equal(loadConfig({ paths, configFile: file('m1.conf', '[mgmt]\nmode = 0o600\n') }).mgmt.mode, 0o600);
    assert.equal(loadConfig({ paths, configFile: file('m2.conf', '[mgmt]\nmode = "0640"\n') }).mgmt.mode, 0o640);
    const p = problemsOf(() => loadConfig({ paths, configFile: file('m3.conf', '[mgmt]\nmode = "0604"\n') }));
    assert.equal(p[0].key, 'mgmt.mode');
  });

  test('locateRuntime still finds the run dir when the config has become invalid', () => {
    const f = file('broken-but-located.conf', `run_dir = "${join(dir, 'rt')}"\n[registrar]\nmin_expires = "x"\n`);
    assert.throws(() => loadConfig({ paths, configFile: f }), ConfigError);
    const rt = locateRuntime({ paths, configFile: f });
    assert.equal(rt.pidFile, join(dir, 'rt', 'sipd.pid'));
    assert.equal(rt.socket, join(dir, 'rt', 'sipd.sock'));
  });

  test('the defaults object documents every key the schema accepts', () => {
    const d = defaultFileConfig(paths);
    // Every default passes validation as a file of its own (round trip through the loader).
    const toml = [
      `data_dir = "${d.data_dir}"`,
      `[registrar]`,
      ...Object.entries(d.registrar).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
      `[timers]`,
      ...Object.entries(d.timers).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    ].join('\n');
    const c = loadConfig({ paths, configFile: file('defaults.conf', toml) });
    assert.deepEqual({ ...c.registrar }, d.registrar);
    assert.deepEqual({ ...c.timers }, d.timers);
  });
});

describe('documentation', () => {
  test('the example configuration in man/sipd.8 is valid and sets every section', () => {
    const man = readFileSync(join(repoRoot, 'man', 'sipd.8'), 'utf8');
    const section = man.slice(man.indexOf('.SH CONFIGURATION FILE'));
    const example = section.slice(section.indexOf('.nf\n') + 4, section.indexOf('\n.fi'));
    const c = loadConfig({ paths, configFile: file('man-example.conf', example) });
    assert.equal(c.db_url, 'mysql://sip:secret@127.0.0.1:3306/sipkit');
    assert.deepEqual(c.acl, [{ prefix: '00', group: 'intl' }]);
    assert.deepEqual(c.protection.exempt, ['10.0.0.0/8']);
    const documented = new Set([...example.matchAll(/^\[+([a-z0-9_]+)\]+|^([a-z0-9_]+) =/gm)].map((m) => m[1] ?? m[2]));
    for (const [k, v] of Object.entries(defaultFileConfig(paths))) {
      assert.ok(documented.has(k), `man page documents ${k}`);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const sub of Object.keys(v)) assert.ok(documented.has(sub), `man page documents ${k}.${sub}`);
      }
    }
  });
});
