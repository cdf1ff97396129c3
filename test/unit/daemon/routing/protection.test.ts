/**
 * The protection policy (src/daemon/routing/protection.ts: rate limit, bans).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Protection } from '../../../../src/daemon/routing/protection.js';

describe('protection', () => {
  const policy = { rateLimit: 3, rateWindow: 2, banFailures: 2, banWindow: 60, banTime: 10, exempt: ['10.0.0.0/8'] };

  test('the rate limit counts per source within a window', () => {
    let now = 1_000_000;
    const p = new Protection(policy, () => now);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => p.admit('192.0.2.1')),
      ['ok', 'ok', 'ok', 'rate-limited'],
    );
    assert.equal(p.admit('192.0.2.2'), 'ok', 'another source has its own count');
    assert.equal(p.admit('10.1.1.1'), 'ok');
    now += 2000;
    assert.equal(p.admit('192.0.2.1'), 'ok', 'a new window');
  });

  test('bans after banFailures, for banTime; success clears the count; exempt sources are never banned', () => {
    let now = 1_000_000;
    const p = new Protection({ ...policy, rateLimit: 0 }, () => now);
    assert.equal(p.authFailed('192.0.2.1'), false);
    p.authSucceeded('192.0.2.1');
    assert.equal(p.authFailed('192.0.2.1'), false, 'the count started again');
    assert.equal(p.authFailed('192.0.2.1'), true, 'banned');
    assert.equal(p.admit('192.0.2.1'), 'banned');
    assert.deepEqual(p.banned(), [{ address: '192.0.2.1', until: now + 10_000 }]);
    now += 10_000;
    assert.equal(p.admit('192.0.2.1'), 'ok', 'the ban ended');
    for (let i = 0; i < 5; i++) assert.equal(p.authFailed('10.2.3.4'), false);
  });
});
