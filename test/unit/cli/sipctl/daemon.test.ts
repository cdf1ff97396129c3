/** Which of sipctl's settings `sipctl start|stop|status` pass on to sipd. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSettings } from '../../../../src/cli/rc.js';
import { daemonTarget } from '../../../../src/cli/sipctl/daemon.js';

const settings = (env: NodeJS.ProcessEnv, flags = {}) =>
  resolveSettings(flags, { env: { HOME: '/h', ...env }, files: [], root: false });

test('defaults are not passed: sipd’s config file decides, as for `sipd start`', () => {
  const t = daemonTarget(settings({}), {});
  assert.deepEqual(t.overrides, { configFile: undefined, listen: undefined, domains: undefined });
  assert.deepEqual(t.warnings, []);
});

test('run dir, data dir and an explicit database from the environment or flags are passed', () => {
  const t = daemonTarget(settings({ SIPD_RUN_DIR: '/r', SIPD_DATA_DIR: '/d' }), {
    config: '/c.conf',
    listen: ['udp:127.0.0.1:0'],
  });
  assert.deepEqual(t.overrides, {
    configFile: '/c.conf',
    listen: ['udp:127.0.0.1:0'],
    domains: undefined,
    runDir: '/r',
    dataDir: '/d',
  });
  const withPath = daemonTarget(settings({ SIPD_DATA_DIR: '/d', DB_PATH: 'x.db' }), {});
  assert.equal(withPath.overrides.dbUrl, 'sqlite:/d/x.db');
  const flag = daemonTarget(settings({}, { 'db-url': 'sqlite:/tmp/a.db' }), { 'db-url': 'sqlite:/tmp/a.db' });
  assert.equal(flag.overrides.dbUrl, 'sqlite:/tmp/a.db');
});

test('a MySQL password from a resource file or the environment never goes on sipd’s command line', () => {
  const env = { DBENGINE: 'MYSQL', DBHOST: '127.0.0.1', DBNAME: 'k', DBRWUSER: 'kam', DBRWPW: 's3cret' };
  const t = daemonTarget(settings(env), {});
  assert.equal(t.overrides.dbUrl, undefined);
  assert.match(t.warnings[0], /holds a password/);
  assert.ok(!t.warnings[0].includes('s3cret'));
  const noPw = daemonTarget(settings({ ...env, DBRWPW: '' }), {});
  assert.equal(noPw.overrides.dbUrl, 'mysql://kam@127.0.0.1:3306/k');
});
