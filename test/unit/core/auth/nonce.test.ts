/**
 * The nonce factory (HMAC-dated nonces, RFC 7616 §5.4-5.5) and the bounded nc memory on their own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestEquals, NonceCounter, NonceFactory } from '../../../../src/core/index.js';

describe('NonceFactory', () => {
  test('nonces are 40 base64url chars, unique, bound to realm and secret, and expire', () => {
    let t = 1_000_000;
    const f = new NonceFactory({ secret: new Uint8Array([1, 2, 3]), lifetimeMs: 1000, now: () => t });
    const n = f.create('r');
    assert.match(n, /^[A-Za-z0-9_-]{40}$/);
    assert.notEqual(f.create('r'), n);
    assert.deepEqual(f.check(n, 'r'), { status: 'valid', createdAt: 1_000_000 });
    assert.deepEqual(f.check(n, 'R'), { status: 'invalid' }, 'realms are compared exactly');
    assert.deepEqual(f.check(n + '=', 'r'), { status: 'invalid' });
    assert.deepEqual(new NonceFactory({ secret: 'other' }).check(n, 'r'), { status: 'invalid' });
    t += 1001;
    assert.deepEqual(f.check(n, 'r'), { status: 'expired', createdAt: 1_000_000 });
    assert.throws(() => new NonceFactory({ secret: '' }), RangeError);
  });
});

describe('NonceFactory issued-nonce memory', () => {
  test('remembered or forgotten, a nonce checks the same; a peer with the secret accepts it too', () => {
    let t = 1_000_000;
    const a = new NonceFactory({ secret: 's3cret-s3cret-s3cret', now: () => t, maxIssued: 4 });
    const peer = new NonceFactory({ secret: 's3cret-s3cret-s3cret', now: () => t });
    const first = a.create('example.com');
    for (let i = 0; i < 10; i++) a.create('example.com'); // pushes `first` out of the memory
    const last = a.create('example.com');
    for (const n of [first, last]) {
      assert.equal(a.check(n, 'example.com').status, 'valid');
      assert.equal(peer.check(n, 'example.com').status, 'valid');
      assert.equal(a.check(n, 'other.example.com').status, 'invalid', 'bound to its realm either way');
    }
    const forged = last.slice(0, -2) + (last.endsWith('AA') ? 'BB' : 'AA');
    assert.equal(a.check(forged, 'example.com').status, 'invalid');
    t += 301_000;
    assert.equal(a.check(last, 'example.com').status, 'expired');
  });
});

describe('NonceCounter', () => {
  test('nc must grow per nonce; nc 0 is never valid', () => {
    const c = new NonceCounter(10);
    assert.equal(c.use('a', 0, 0, 100, 0), 'replay');
    assert.equal(c.use('a', 5, 0, 100, 0), 'ok', 'first sighting: any nc from 1 (another server may have counted)');
    assert.equal(c.use('a', 5, 0, 100, 1), 'replay');
    assert.equal(c.use('a', 6, 0, 100, 1), 'ok');
    assert.equal(c.use('b', 1, 0, 100, 1), 'ok');
    assert.equal(c.size, 2);
  });

  test('forgets expired nonces, evicts beyond the cap and refuses what it may have forgotten', () => {
    const c = new NonceCounter(2);
    assert.equal(c.use('a', 1, 10, 110, 10), 'ok');
    assert.equal(c.use('b', 1, 20, 120, 20), 'ok');
    assert.equal(c.use('c', 1, 30, 130, 30), 'ok');
    assert.equal(c.size, 2);
    assert.equal(c.use('a', 2, 10, 110, 31), 'evicted');
    assert.equal(c.use('d', 1, 5, 105, 31), 'evicted', 'older than an evicted nonce and unknown');
    assert.equal(c.use('f', 1, 25, 125, 31), 'ok', 'younger than any evicted one: a first sighting');
    assert.equal(c.use('e', 1, 40, 140, 125), 'ok');
    assert.equal(c.size, 2, 'the cap keeps the newest two (f, e)');
    assert.throws(() => new NonceCounter(0), RangeError);
  });
});

describe('digestEquals', () => {
  test('case-insensitive hex, unequal lengths unequal', () => {
    assert.equal(digestEquals('abcdef', 'ABCDEF'), true);
    assert.equal(digestEquals('abcdef', 'abcdee'), false);
    assert.equal(digestEquals('abcdef', 'abcde'), false);
  });
});
