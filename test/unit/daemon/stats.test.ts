import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registerCoreStats, StatsRegistry, UnknownStatError } from '../../../src/daemon/stats.js';

describe('StatsRegistry', () => {
  test('counters are shared objects; inc() is what the hot path calls', () => {
    const s = new StatsRegistry();
    const a = s.counter('core', 'rcv_requests');
    assert.equal(s.counter('core', 'rcv_requests'), a, 'same key, same object');
    a.inc();
    a.inc(4);
    assert.deepEqual(s.fetch(['core.rcv_requests']), { 'core.rcv_requests': 5 });
  });

  test('gauges: set/inc/dec, or read from a function at fetch time', () => {
    const s = new StatsRegistry();
    const g = s.gauge('tm', 'current');
    g.inc(3);
    g.dec();
    let contacts = 7;
    s.gauge('usrloc', 'registered_contacts', () => contacts);
    contacts = 9;
    assert.deepEqual(s.fetch(), { 'tm.current': 2, 'usrloc.registered_contacts': 9 });
  });

  test('fetch selects all, a group, one stat or a bare name; keys are sorted and stable', () => {
    const s = new StatsRegistry();
    registerCoreStats(s);
    s.counter('auth', 'failures').inc(2);
    const all = s.fetch();
    assert.deepEqual(Object.keys(all), [...Object.keys(all)].sort());
    assert.deepEqual(s.fetch(['all']), all);
    for (const key of [
      'core.rcv_requests_invite',
      'core.rcv_replies_4xx',
      'core.parse_errors',
      'tm.uas_transactions',
      'usrloc.registered_contacts',
      'auth.failures',
      'security.bans',
      'security.banned',
    ]) {
      assert.ok(key in all, `${key} exists from start-up`);
    }
    assert.deepEqual(Object.keys(s.fetch(['auth:'])), ['auth.challenges', 'auth.failures', 'auth.successes']);
    assert.deepEqual(s.fetch(['auth.'])['auth.failures'], 2);
    assert.deepEqual(s.fetch(['auth:failures']), { 'auth.failures': 2 });
    assert.deepEqual(s.fetch(['failures', 'security.bans']), { 'auth.failures': 2, 'security.bans': 0 });
    assert.deepEqual(Object.keys(s.fetch(['security'])), [
      'security.banned',
      'security.bans',
      'security.rate_limited',
      'security.relay_denied',
    ]);
    assert.throws(() => s.fetch(['nosuch.stat']), UnknownStatError);
  });

  test('reset zeroes counters and leaves gauges alone', () => {
    const s = new StatsRegistry();
    s.counter('auth', 'failures').inc(3);
    s.gauge('security', 'banned').set(2);
    assert.deepEqual(s.reset(['auth:']), ['auth.failures']);
    assert.deepEqual(s.fetch(), { 'auth.failures': 0, 'security.banned': 2 });
  });

  test('names are validated and kinds cannot be mixed', () => {
    const s = new StatsRegistry();
    assert.throws(() => s.counter('Core', 'x'), /invalid statistic name/);
    s.counter('a', 'b');
    assert.throws(() => s.gauge('a', 'b'), /is a counter/);
  });
});
