/**
 * timers.wt_ms (Kamailio's tm wt_timer): how long sipd keeps a completed transaction to absorb
 * retransmissions, instead of RFC 3261's 64·T1 (32 s) on UDP. After a call through sipd over UDP,
 * its transactions (the INVITE's, accepted with a 2xx, and the BYE's) are gone once the wait has
 * passed, long before 32 s: what a user sees in `sipctl stats tm` and in sipd's memory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, TestUA } from '../../helpers/test-ua.js';

const WAIT_MS = 1000;

describe('sipd: completed transactions stay timers.wt_ms', () => {
  let h: SipdHarness;
  const all: TestUA[] = [];

  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: `[auth]\nmethods = []\n[timers]\nwt_ms = ${WAIT_MS}\ndrain_ms = 500\n`,
    });
  });
  after(async () => {
    await Promise.all(all.map((u) => u.close()));
    await h.stop();
  });

  test('after a call, sipd holds no transaction once the wait has passed (not 64·T1)', async () => {
    const ua = async (user: string) => {
      const u = await TestUA.create({ user, password: `${user}-pw`, domain: DOMAIN, proxy: h.proxy() });
      all.push(u);
      assert.equal((await u.register({ expires: 600 })).status, 200);
      return u;
    };
    const alice = await ua('alice');
    const bob = await ua('bob');
    bob.invitePolicy = { kind: 'answer', ringMs: 10 };
    const call = alice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    assert.equal((await call.bye(res)).status, 200);
    const ended = Date.now();
    const current = async () => (await h.stats())['tm.current']!;
    assert.ok((await current()) > 0, 'the call left completed transactions behind');
    let gone = -1;
    while (Date.now() - ended < 10_000) {
      if ((await current()) === 0) {
        gone = Date.now() - ended;
        break;
      }
      await sleep(100);
    }
    assert.ok(gone >= 0, 'transactions still held 10 s after the call');
    // The REGISTERs' transactions went earlier; the BYE's is the last, WAIT_MS after its 200.
    assert.ok(gone >= WAIT_MS - 300, `gone after ${gone} ms: before the wait had passed`);
  });
});
