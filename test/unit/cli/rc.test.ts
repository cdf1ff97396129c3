import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dbFileIn, defaultPaths, socketIn } from '../../../src/shared/paths.js';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { mysqlUrl, parseDbUrl, redactDbUrl, resolveSettings } from '../../../src/cli/rc.js';
import { settingDocs, RC_KEYS } from '../../../src/cli/rc-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'sipctl-rc-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function rcFile(text: string): string {
  const p = join(dir, `rc${n++}`);
  writeFileSync(p, text);
  return p;
}
const userEnv = { HOME: '/home/op', XDG_RUNTIME_DIR: '/run/user/1000' };

test('no files, no env, no flags: exactly the paths sipd uses with no flags', () => {
  for (const root of [false, true]) {
    const s = resolveSettings({}, { env: userEnv, files: [], root });
    const p = defaultPaths(userEnv, root);
    assert.equal(s.dataDir, p.dataDir);
    assert.equal(s.runDir, p.runDir);
    assert.equal(s.socket, socketIn(p.runDir));
    assert.equal(s.dbUrl, `sqlite:${dbFileIn(p.dataDir)}`);
    assert.deepEqual(s.db, { kind: 'sqlite', file: dbFileIn(p.dataDir), memory: false });
    assert.equal(s.domain, undefined);
    assert.equal(s.verifyAcl, true);
    assert.deepEqual(s.aclGroups, ['local', 'ld', 'int', 'voicemail', 'free-pstn']);
    assert.equal(s.storePlaintextPassword, false);
    assert.deepEqual(s.files, []);
    assert.ok(Object.values(s.origins).every((o) => o === 'default'));
  }
  assert.equal(resolveSettings({}, { env: userEnv, files: [], root: false }).socket, '/run/user/1000/sipkit/sipd.sock');
});

test('system file, then user file, then environment, then flags: the later wins', () => {
  const system = rcFile('SIP_DOMAIN=system.example\nDBENGINE=MYSQL\nDBHOST=sysdb\nDBRWPW=sys\nSIPD_RUN_DIR=/srv/run\n');
  const user = rcFile('SIP_DOMAIN=user.example\nDBHOST=userdb\nVERIFY_ACL=0\n');
  const env = { ...userEnv, DBHOST: 'envdb', DBPORT: '3307', ACL_GROUPS: 'a b,c' };
  const s = resolveSettings({}, { env, files: [system, '/nonexistent/rc', user] });
  assert.equal(s.domain, 'user.example');
  assert.deepEqual(s.db, {
    kind: 'mysql',
    host: 'envdb',
    port: 3307,
    database: 'sipkit',
    user: 'sipkit',
    password: 'sys',
  });
  assert.equal(s.dbUrl, 'mysql://sipkit:sys@envdb:3307/sipkit');
  assert.equal(s.runDir, '/srv/run');
  assert.equal(s.socket, '/srv/run/sipd.sock', 'the socket follows the run dir');
  assert.equal(s.verifyAcl, false);
  assert.deepEqual(s.aclGroups, ['a', 'b', 'c']);
  assert.deepEqual(s.files, [system, user]);
  assert.equal(s.origins.domain, `${user}:1`);
  assert.equal(s.origins.runDir, `${system}:5`);
  assert.equal(s.origins.aclGroups, 'env ACL_GROUPS');

  const f = resolveSettings(
    { 'db-url': 'sqlite:/tmp/x.db', 'run-dir': '/flag/run', socket: 'rel/sock' },
    { env, files: [system, user] },
  );
  assert.equal(f.dbUrl, 'sqlite:/tmp/x.db');
  assert.deepEqual(f.db, { kind: 'sqlite', file: '/tmp/x.db', memory: false });
  assert.equal(f.runDir, '/flag/run');
  assert.equal(f.socket, join(process.cwd(), 'rel/sock'), 'relative paths are made absolute');
  assert.equal(f.origins.dbUrl, 'flag --db-url');
  assert.equal(f.origins.socket, 'flag --socket');
});

test('relative SQLite paths are in the data dir, as sipd reads them', () => {
  const rel = resolveSettings({ 'db-url': 'sqlite:test.db', 'data-dir': '/d' }, { env: userEnv, files: [] });
  assert.equal(rel.dbUrl, 'sqlite:/d/test.db');
  assert.equal(
    resolveSettings({ 'db-url': 'sqlite:///abs/x.db' }, { env: userEnv, files: [] }).dbUrl,
    'sqlite:/abs/x.db',
  );
  assert.equal(resolveSettings({ 'db-url': 'sqlite::memory:' }, { env: userEnv, files: [] }).dbUrl, 'sqlite::memory:');
  const p = resolveSettings({ 'data-dir': '/d' }, { env: { ...userEnv, DB_PATH: 'k.db' }, files: [] });
  assert.equal(p.dbUrl, 'sqlite:/d/k.db');
});

test('--data-dir moves the default SQLite database with it, as in sipd', () => {
  const s = resolveSettings({ 'data-dir': '/var/tmp/sk' }, { env: userEnv, files: [] });
  assert.equal(s.dbUrl, 'sqlite:/var/tmp/sk/sipkit.db');
  const p = resolveSettings({}, { env: { ...userEnv, DBENGINE: 'sqlite', DB_PATH: '/d/k.db' }, files: [] });
  assert.equal(p.dbUrl, 'sqlite:/d/k.db');
});

test('MySQL URL from the keys: special characters in the password survive', () => {
  const s = resolveSettings(
    {},
    {
      env: { ...userEnv, DBENGINE: 'MYSQL', DBRWUSER: 'kam', DBRWPW: 'p@ss:w/rd%', DBNAME: 'kamailio' },
      files: [],
    },
  );
  assert.equal(s.dbUrl, 'mysql://kam:p%40ss%3Aw%2Frd%25@localhost:3306/kamailio');
  assert.deepEqual(parseDbUrl(s.dbUrl), s.db);
  assert.equal(s.db.kind === 'mysql' && s.db.password, 'p@ss:w/rd%');
  assert.equal(redactDbUrl(s.dbUrl), 'mysql://kam:***@localhost:3306/kamailio');
  assert.equal(mysqlUrl({ host: '::1', port: 3306, database: 'd', user: 'u' }), 'mysql://u@[::1]:3306/d');
  const v6 = resolveSettings({}, { env: { ...userEnv, DBENGINE: 'mariadb', DBHOST: '::1' }, files: [] });
  assert.deepEqual(v6.db, { kind: 'mysql', host: '::1', port: 3306, database: 'sipkit', user: 'sipkit', password: '' });
});

function usage(fn: () => unknown, ...mentions: string[]) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof CliError, String(e));
    assert.equal(e.exitCode, ExitCode.USAGE);
    for (const m of mentions) assert.ok(e.message.includes(m), `"${m}" not in ${e.message}`);
    return true;
  });
}

test('bad settings are usage errors naming the source', () => {
  usage(
    () => resolveSettings({ 'db-url': 'postgres://x/y' }, { env: userEnv, files: [] }),
    '--db-url',
    'not supported',
  );
  usage(() => resolveSettings({ 'db-url': 'mysql://u:secret@h' }, { env: userEnv, files: [] }), 'no database', '***');
  usage(() => resolveSettings({}, { env: { ...userEnv, DBENGINE: 'MYSQL', DBNAME: 'a/b' }, files: [] }), 'DBENGINE');
  usage(() => resolveSettings({}, { env: { ...userEnv, DBENGINE: 'PGSQL' }, files: [] }), 'PGSQL', 'env DBENGINE');
  const bad = rcFile('DBENGINE=MYSQL\nDBPORT=http\n');
  usage(() => resolveSettings({}, { env: userEnv, files: [bad] }), 'DBPORT', `${bad}:2`);
  const badBool = rcFile('VERIFY_ACL=maybe\n');
  usage(() => resolveSettings({}, { env: userEnv, files: [badBool] }), 'VERIFY_ACL', `${badBool}:1`);
  const syntax = rcFile('DBRWPW=$(cat /etc/shadow)\n');
  usage(() => resolveSettings({}, { env: userEnv, files: [syntax] }), `${syntax}:1`);
});

test('unknown keys warn (typos), kamctlrc keys sipctl does not use are ignored quietly', () => {
  const f = rcFile('DBHOTS=x\nCTLENGINE=RPCFIFO\nDBROUSER=ro\n');
  const s = resolveSettings({}, { env: userEnv, files: [f] });
  assert.deepEqual(s.warnings, [`${f}:1: unknown key DBHOTS is ignored`]);
});

test('an unreadable file is reported, not fatal', () => {
  // A directory where the file should be: unreadable even for root (EISDIR).
  const d = join(dir, 'a-directory');
  mkdirSync(d);
  const s = resolveSettings({}, { env: userEnv, files: [d] });
  assert.equal(s.domain, undefined);
  assert.match(s.warnings[0], /cannot read .*a-directory \(EISDIR\)/);
});

test('every rc key is documented once, with a default', () => {
  const docs = settingDocs();
  assert.deepEqual(docs.map((d) => d.key).sort(), [...RC_KEYS].sort());
  for (const d of docs) assert.ok(d.default && d.description, d.key);
  assert.match(docs.find((d) => d.key === 'SIPD_RUN_DIR')!.default, /\/run\/sipkit for root/);
});
