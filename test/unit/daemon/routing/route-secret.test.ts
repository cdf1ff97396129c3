import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ROUTE_KEY_FILE, routeMarkSecret } from '../../../../src/daemon/routing/route-secret.js';

const dir = mkdtempSync(join(tmpdir(), 'sipd-route-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the Record-Route mark key', () => {
  test('auth.secret when configured (a cluster): no file is written', () => {
    const data = join(dir, 'configured');
    assert.equal(
      routeMarkSecret({ auth: { secret: 'shared by the cluster' }, data_dir: data }),
      'shared by the cluster',
    );
    assert.equal(existsSync(join(data, ROUTE_KEY_FILE)), false);
  });

  test('with auth.secret "" a key is generated once, kept with mode 0600, and the same after a restart', () => {
    const data = join(dir, 'generated', 'data');
    const first = routeMarkSecret({ auth: { secret: '' }, data_dir: data });
    assert.match(first, /^[0-9a-f]{64}$/);
    const file = join(data, ROUTE_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), first);
    assert.equal(routeMarkSecret({ auth: { secret: '' }, data_dir: data }), first, 'read back, not regenerated');
  });

  test('a truncated key file is replaced by a new key', () => {
    const data = join(dir, 'truncated');
    routeMarkSecret({ auth: { secret: '' }, data_dir: data });
    writeFileSync(join(data, ROUTE_KEY_FILE), 'short\n');
    const key = routeMarkSecret({ auth: { secret: '' }, data_dir: data });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(data, ROUTE_KEY_FILE)).mode & 0o777, 0o600);
  });
});
