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

  test('with an issuer, each nonce names the process that made it; another process with the key reads it', () => {
    const w3 = new NonceFactory({ secret: 'shared key of the workers', issuer: 3, now: () => 5_000 });
    const w0 = new NonceFactory({ secret: 'shared key of the workers', issuer: 0, now: () => 5_000 });
    const nonces = Array.from({ length: 50 }, () => w3.create('r'));
    assert.equal(new Set(nonces).size, 50, 'still unique');
    for (const n of nonces) {
      assert.deepEqual(w0.check(n, 'r'), { status: 'valid', createdAt: 5_000, issuer: 3 });
      assert.deepEqual(w3.check(n, 'r'), { status: 'valid', createdAt: 5_000, issuer: 3 });
    }
    for (const issuer of [-1, 256, 1.5]) assert.throws(() => new NonceFactory({ secret: 'k', issuer }), RangeError);
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

  test('answers as a plain per-nonce record would, through growth, wrap-around and shrinking', () => {
    // The counter keeps its times in a ring beside the Map; this model keeps one record per nonce.
    const cap = 300;
    const c = new NonceCounter(cap);
    const model = new Map<string, { nc: number; createdAt: number; expiresAt: number }>();
    let evictedUpTo = -Infinity;
    const modelUse = (nonce: string, nc: number, createdAt: number, expiresAt: number, now: number) => {
      for (const [k, e] of model) {
        if (e.expiresAt >= now) break;
        model.delete(k);
      }
      const e = model.get(nonce);
      if (e) return nc <= e.nc ? 'replay' : ((e.nc = nc), 'ok');
      if (createdAt <= evictedUpTo) return 'evicted';
      if (nc < 1) return 'replay';
      model.set(nonce, { nc, createdAt, expiresAt });
      while (model.size > cap) {
        const [k, old] = model.entries().next().value as [string, { createdAt: number }];
        model.delete(k);
        evictedUpTo = Math.max(evictedUpTo, old.createdAt);
      }
      return 'ok';
    };
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    let now = 0;
    // Bursts (the ring grows to hold `cap`), then quiet spells (it shrinks as nonces expire).
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 2000; i++) {
        now += rand(3);
        const created = now - rand(50);
        const nonce = `n${round}-${rand(400)}-${created}`;
        const nc = rand(4);
        assert.equal(c.use(nonce, nc, created, created + 1000, now), modelUse(nonce, nc, created, created + 1000, now));
      }
      now += 2000;
      assert.equal(c.use('quiet', 1, now, now + 1000, now), modelUse('quiet', 1, now, now + 1000, now));
      assert.equal(c.size, model.size);
    }
  });
});

describe('digestEquals', () => {
  test('case-insensitive hex, unequal lengths unequal', () => {
    assert.equal(digestEquals('abcdef', 'ABCDEF'), true);
    assert.equal(digestEquals('abcdef', 'abcdee'), false);
    assert.equal(digestEquals('abcdef', 'abcde'), false);
  });
});
