/**
 * Published Digest vectors: RFC 2617 §3.5 and RFC 7616 §3.9.1 (MD5 and SHA-256), computed by the
 * client (from the password and from a stored HA1) and accepted by the stateless response check.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkDigestResponse,
  computeDigestResponse,
  computeHa1,
  digestAuthorization,
  parseDigestCredentials,
} from '../../../../src/core/index.js';

describe('RFC 2617 §3.5', () => {
  const challenge =
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
    'opaque="5ccc069c403ebaf9f0171e9517f40e41"';
  const expected = '6629fae49393a05397450978507c4ef1';

  test('Mufasa / "Circle Of Life": response 6629fae4…', () => {
    const value = digestAuthorization({
      challenge,
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      cnonce: '0a4f113b',
    });
    assert.equal(
      value,
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", ' +
        'opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
    );
  });

  test('the same from the stored HA1 instead of the password', () => {
    const ha1 = computeHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const cr = parseDigestCredentials(
      digestAuthorization({
        challenge,
        method: 'GET',
        uri: '/dir/index.html',
        username: 'Mufasa',
        ha1,
        cnonce: '0a4f113b',
      }),
    );
    assert.equal(cr.response, expected);
  });
});

describe('RFC 7616 §3.9.1', () => {
  const common = {
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };
  const challenge = (alg: string) =>
    `Digest realm="${common.realm}", qop="auth, auth-int", algorithm=${alg}, nonce="${common.nonce}", opaque="${common.opaque}"`;
  const answer = (alg: string) =>
    parseDigestCredentials(
      digestAuthorization({
        challenge: challenge(alg),
        method: 'GET',
        uri: '/dir/index.html',
        username: 'Mufasa',
        password: 'Circle of Life',
        cnonce: common.cnonce,
      }),
    );

  test('MD5: response 8ca523f5…', () => {
    const cr = answer('MD5');
    assert.equal(cr.response, '8ca523f5e9506fed4657c9700eebdbec');
    assert.deepEqual([cr.algorithm, cr.qop, cr.nc, cr.opaque], ['MD5', 'auth', '00000001', common.opaque]);
  });

  test('SHA-256: response 753927fa…', () => {
    const cr = answer('SHA-256');
    assert.equal(cr.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    assert.equal(cr.algorithm, 'SHA-256');
  });

  test('the pure computation from HA1 matches both', () => {
    for (const [algorithm, response] of [
      ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
      ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    ] as const) {
      const ha1 = computeHa1('Mufasa', common.realm, 'Circle of Life', algorithm);
      const got = computeDigestResponse({
        algorithm,
        ha1,
        nonce: common.nonce,
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: common.cnonce,
      });
      assert.equal(got, response);
    }
  });
});

describe('the credentials as printed in the RFCs verify', () => {
  test('RFC 2617 §3.5 Authorization header (folded onto one line)', () => {
    const value =
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ' +
      'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    assert.equal(checkDigestResponse(value, { method: 'GET', password: 'Circle Of Life' }), true);
    assert.equal(checkDigestResponse(value, { method: 'GET', password: 'Circle of Life' }), false);
    assert.equal(checkDigestResponse(value, { method: 'POST', password: 'Circle Of Life' }), false);
    const ha1 = computeHa1('Mufasa', 'testrealm@host.com', 'Circle Of Life');
    assert.equal(checkDigestResponse(value, { method: 'GET', ha1 }), true);
    assert.equal(checkDigestResponse(value, { method: 'GET', ha1: ha1.toUpperCase() }), true);
  });

  test('RFC 7616 §3.9.1 SHA-256 Authorization header', () => {
    const value =
      'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
      'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
      'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", ' +
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    assert.equal(checkDigestResponse(value, { method: 'GET', password: 'Circle of Life' }), true);
    // An MD5 HA1 cannot answer a SHA-256 digest.
    const md5 = computeHa1('Mufasa', 'http-auth@example.org', 'Circle of Life');
    assert.equal(checkDigestResponse(value, { method: 'GET', ha1: md5 }), false);
  });
});
