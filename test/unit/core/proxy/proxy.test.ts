import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkProxyRequest,
  chooseBestResponse,
  decrementMaxForwards,
  nextHopUri,
  parseMessage,
  parseMessageText,
  postprocessStrictRoute,
  preprocessRoute,
  recordRouteUri,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/fixtures.js';

const torture = (name: string) => parseMessage(fixture('torture', 'rfc4475', name)) as SipRequest;

function request(extra: string, ruri = 'sip:bob@example.com'): SipRequest {
  return parseMessageText(
    `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n` +
      `From: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n${extra}Content-Length: 0\r\n\r\n`,
  ) as SipRequest;
}

function response(status: number, extra = ''): SipResponse {
  return parseMessageText(
    `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=a\r\nTo: <sip:b@x>;tag=${status}\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n${extra}Content-Length: 0\r\n\r\n`,
  ) as SipResponse;
}

const isOurs = (u: SipUri) => u.host === 'proxy.example.com' && (u.port ?? 5060) === 5060;

describe('proxy request checks (RFC 3261 §16.3)', () => {
  test('a good request passes', () => assert.equal(checkProxyRequest(request('')), undefined));
  test('Max-Forwards 0 → 483 (RFC 4475 zeromf)', () =>
    assert.equal(checkProxyRequest(torture('zeromf.dat'))?.status, 483));
  test('unknown Proxy-Require → 420 listing them (RFC 4475 bext01)', () => {
    const r = checkProxyRequest(torture('bext01.dat'));
    assert.deepEqual(r, {
      status: 420,
      reason: 'Bad Extension',
      headers: [['Unsupported', 'noProxiesSupportThis, norDoAnyProxiesSupportThis']],
    });
  });
  test('unknown Request-URI scheme → 416 (RFC 4475 unkscm, novelsc)', () => {
    assert.equal(checkProxyRequest(torture('unkscm.dat'))?.status, 416);
    assert.equal(checkProxyRequest(torture('novelsc.dat'))?.status, 416);
  });
  test('missing mandatory headers → 400 (RFC 4475 insuf)', () => {
    const r = checkProxyRequest(torture('insuf.dat'));
    assert.equal(r?.status, 400);
    assert.match(r!.reason, /Missing/);
  });
  test('oversize → 513', () => assert.equal(checkProxyRequest(request(''), { size: 70000 })?.status, 513));
});

describe('route handling (RFC 3261 §16.4, §16.6)', () => {
  test('loose routing removes our own Route and keeps the rest', () => {
    const r = request('Route: <sip:proxy.example.com;lr>, <sip:next.example.net;lr>\r\n');
    const res = preprocessRoute(r, isOurs);
    assert.deepEqual(res, { strictRouterFixed: false, removedOwnRoute: true });
    assert.deepEqual(r.getAll('route'), ['<sip:next.example.net;lr>']);
    assert.equal((nextHopUri(r) as SipUri).host, 'next.example.net');
  });
  test('a Route that is not ours is left alone', () => {
    const r = request('Route: <sip:other.example.net;lr>\r\n');
    assert.equal(preprocessRoute(r, isOurs).removedOwnRoute, false);
    assert.equal(r.getAll('route').length, 1);
  });
  test('strict router upstream: the Request-URI is restored from the last Route', () => {
    const r = request('Route: <sip:next.example.net;lr>, <sip:bob@192.0.2.9>\r\n', 'sip:proxy.example.com;lr');
    const res = preprocessRoute(r, isOurs);
    assert.equal(res.strictRouterFixed, true);
    assert.equal(r.uri, 'sip:bob@192.0.2.9');
    assert.deepEqual(r.getAll('route'), ['<sip:next.example.net;lr>']);
  });
  test('strict router downstream: Request-URI moves to the end of the route set', () => {
    const r = request('Route: <sip:strict.example.net>, <sip:x.example.net;lr>\r\n');
    assert.equal(postprocessStrictRoute(r), true);
    assert.equal(r.uri, 'sip:strict.example.net');
    assert.deepEqual(r.getAll('route'), ['<sip:x.example.net;lr>', '<sip:bob@example.com>']);
    const loose = request('Route: <sip:loose.example.net;lr>\r\n');
    assert.equal(postprocessStrictRoute(loose), false);
  });
  test('Max-Forwards is decremented, or set to 70', () => {
    const r = request('');
    decrementMaxForwards(r);
    assert.equal(r.maxForwards(), 69);
    r.removeAll('max-forwards');
    decrementMaxForwards(r);
    assert.equal(r.maxForwards(), 70);
  });
  test('Record-Route URIs carry lr and a non-UDP transport', () => {
    assert.equal(recordRouteUri('192.0.2.5', 5060, 'UDP'), '<sip:192.0.2.5:5060;lr>');
    assert.equal(recordRouteUri('[2001:db8::1]', 5070, 'TCP'), '<sip:[2001:db8::1]:5070;transport=tcp;lr>');
  });
  test('WebSocket, secure or not, is transport=ws in the URI (RFC 7118 §5.2)', () => {
    assert.equal(recordRouteUri('192.0.2.5', 80, 'WS'), '<sip:192.0.2.5:80;transport=ws;lr>');
    assert.equal(recordRouteUri('192.0.2.5', 443, 'WSS', 'm1'), '<sip:192.0.2.5:443;transport=ws;lr;sig=m1>');
    assert.equal(recordRouteUri('192.0.2.5', 443, 'WSS', 'm1', true), '<sips:192.0.2.5:443;transport=ws;lr;sig=m1>');
  });
  test('a sips: dialog gets a sips: Record-Route on TLS only (RFC 3261 §16.6 step 4)', () => {
    assert.equal(recordRouteUri('192.0.2.5', 5061, 'TLS', 'm1', true), '<sips:192.0.2.5:5061;lr;sig=m1>');
    assert.equal(recordRouteUri('192.0.2.5', 5061, 'TLS', 'm1'), '<sip:192.0.2.5:5061;transport=tls;lr;sig=m1>');
    // A UDP hop cannot carry a SIPS URI: it stays sip:.
    assert.equal(recordRouteUri('192.0.2.5', 5060, 'UDP', undefined, true), '<sip:192.0.2.5:5060;lr>');
  });
});

describe('best response (RFC 3261 §16.7 step 6)', () => {
  test('6xx wins over lower classes', () =>
    assert.equal(chooseBestResponse([response(486), response(603)]).status, 603));
  test('lowest class otherwise', () => assert.equal(chooseBestResponse([response(503), response(486)]).status, 486));
  test('preferred 4xx codes', () => assert.equal(chooseBestResponse([response(404), response(401)]).status, 401));
  test('503 becomes 500', () => assert.equal(chooseBestResponse([response(503)]).status, 500));
  test('no response at all → 408', () => assert.equal(chooseBestResponse([]).status, 408));
  test('challenges of every 401/407 are collected', () => {
    const best = chooseBestResponse([
      response(401, 'WWW-Authenticate: Digest realm="a", nonce="1"\r\n'),
      response(407, 'Proxy-Authenticate: Digest realm="b", nonce="2"\r\n'),
    ]);
    assert.equal(best.status, 401);
    assert.deepEqual(best.challenges, [
      ['WWW-Authenticate', 'Digest realm="a", nonce="1"'],
      ['Proxy-Authenticate', 'Digest realm="b", nonce="2"'],
    ]);
  });
});
