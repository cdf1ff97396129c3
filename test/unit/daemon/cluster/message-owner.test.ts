/**
 * Which worker owns a raw message (src/daemon/cluster/message-owner.ts): requests by Call-ID
 * (every message of a transaction or dialog lands in one worker), responses by the branch marker
 * of the worker that sent the request; anything unusable stays where it arrived.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { branchMarker, ownerOf } from '../../../../src/daemon/cluster/message-owner.js';

const req = (callIdLine: string, method = 'INVITE', branch = 'z9hG4bK776asdhds') =>
  Buffer.from(
    `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\n` +
      `From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n${callIdLine}\r\nCSeq: 1 ${method}\r\n` +
      'Content-Length: 0\r\n\r\n',
    'latin1',
  );

const res = (viaLines: string) =>
  Buffer.from(
    `SIP/2.0 200 OK\r\n${viaLines}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n` +
      'Call-ID: abc@192.0.2.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    'latin1',
  );

describe('cluster: the owner of a message', () => {
  test('the INVITE, its CANCEL, its ACK and a BYE of the same Call-ID have one owner, whatever the spelling', () => {
    const owner = ownerOf(req('Call-ID: f81d4fae-7dec@192.0.2.1'), 4);
    assert.ok(owner !== undefined && owner >= 0 && owner < 4);
    for (const m of [
      req('Call-ID: f81d4fae-7dec@192.0.2.1', 'CANCEL'),
      req('call-id:   f81d4fae-7dec@192.0.2.1  ', 'ACK', 'other'),
      req('i: f81d4fae-7dec@192.0.2.1', 'BYE', 'z9hG4bKnew'),
      req('CALL-ID :f81d4fae-7dec@192.0.2.1', 'INVITE'),
    ])
      assert.equal(ownerOf(m, 4), owner);
  });

  test('Call-IDs spread over the workers', () => {
    const seen = [0, 0];
    for (let i = 0; i < 1000; i++) seen[ownerOf(req(`Call-ID: call-${i}@host`), 2)!]!++;
    assert.ok(seen[0]! > 400 && seen[1]! > 400, `spread ${seen}`);
  });

  test('a response goes to the worker named in its top Via branch, only there', () => {
    const ours = `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${branchMarker(3)}AbCd;rport=5060`;
    assert.equal(ownerOf(res(`${ours}\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKw1xzz`), 4), 3);
    assert.equal(ownerOf(res(`v: SIP/2.0/UDP 10.0.0.1;BRANCH=z9hG4bKw1xAb, SIP/2.0/UDP x;branch=z9hG4bKw2x`), 4), 1);
    // The second Via's marker is someone else's business; a branch without ours stays here.
    assert.equal(
      ownerOf(res('Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKabc, SIP/2.0/UDP x;branch=z9hG4bKw1x'), 4),
      undefined,
    );
    assert.equal(ownerOf(res('Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKsl-abc'), 4), undefined);
    // A marker naming a worker that does not exist (forged, or from a larger cluster) stays here.
    assert.equal(ownerOf(res('Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKw9xabc'), 4), undefined);
  });

  test('one worker, garbage, a missing header or a header-less message: handled where it arrived', () => {
    assert.equal(ownerOf(req('Call-ID: x'), 1), undefined);
    assert.equal(ownerOf(Buffer.from('\r\n\r\n'), 2), undefined);
    assert.equal(ownerOf(Buffer.from('INVITE sip:x SIP/2.0\r\nVia: x\r\n\r\nCall-ID: late\r\n'), 2), undefined);
    assert.equal(ownerOf(Buffer.from('INVITE sip:x SIP/2.0\r\nCall-ID:   \r\n\r\n'), 2), undefined);
    assert.equal(ownerOf(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0a]), 2), undefined);
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 40 + i }, (_, k) => (k * 7919 + i * 31) % 256));
      const o = ownerOf(junk, 3);
      assert.ok(o === undefined || (o >= 0 && o < 3));
    }
  });
});
