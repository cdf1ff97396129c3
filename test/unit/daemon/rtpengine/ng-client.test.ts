/**
 * The ng client and the instance set (src/daemon/rtpengine/ng-client.ts, rtpengine-set.ts)
 * against fake rtpengines on UDP: replies matched by cookie and source, retransmissions with the
 * same cookie, timeouts, malformed replies, error replies, failover to the next instance, a call
 * staying on its instance, ping bringing an instance back, weights, enable/disable.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { NgClient, NgTimeout } from '../../../../src/daemon/rtpengine/ng-client.js';
import { RtpengineError, RtpengineSet } from '../../../../src/daemon/rtpengine/rtpengine-set.js';
import { FakeNgPeer } from './fake-ng-peer.js';

const FAST = { timeoutMs: 40, retries: 2 };

describe('ng client', () => {
  let peer: FakeNgPeer;
  const clients: NgClient[] = [];
  const client = (opts = {}) => {
    const c = new NgClient({ ...FAST, ...opts });
    clients.push(c);
    return c;
  };
  before(async () => {
    peer = await FakeNgPeer.open();
  });
  after(async () => {
    for (const c of clients) c.close();
    await peer.close();
  });

  test('a reply is matched by its cookie: strays and malformed datagrams before it are dropped and counted', async () => {
    const strays: string[] = [];
    // A long timeout: a retry on a loaded machine would be answered again and add strays.
    const c = client({ timeoutMs: 3000, onStray: (why: string) => strays.push(why) });
    peer.answer = (_req, _n, cookie, from) => {
      // A wrong cookie and garbage first, then the reply.
      peer.socket.send('deadbeef d6:result4:ponge', from.port, from.address);
      peer.socket.send(`${cookie} d6:result`, from.port, from.address);
      return { result: 'pong', n: 7 };
    };
    const r = await c.request(peer.target, { command: 'ping' });
    assert.deepEqual(r, { result: 'pong', n: 7 });
    await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(strays.sort(), ['malformed', 'unmatched']);
  });

  test('a lost datagram is sent again with the same cookie (rtpengine answers retransmissions from its cache)', async () => {
    peer.seen.length = 0;
    peer.answer = (_req, n) => (n < 3 ? undefined : { result: 'ok' });
    const r = await client().request(peer.target, { command: 'query', 'call-id': 'x' });
    assert.equal(r.result, 'ok');
    assert.equal(peer.seen.length, 3, 'the first try and two retransmissions');
    assert.equal(new Set(peer.seen.map((s) => s.cookie)).size, 1, 'one cookie for all tries');
    const second = peer.seen.length;
    await client().request(peer.target, { command: 'ping' });
    assert.notEqual(peer.seen[second]!.cookie, peer.seen[0]!.cookie, 'a new command has a new cookie');
  });

  test('no answer after every try: NgTimeout, after 1 + retries sends', async () => {
    peer.seen.length = 0;
    peer.answer = () => undefined;
    const t0 = Date.now();
    await assert.rejects(client().request(peer.target, { command: 'ping' }), NgTimeout);
    assert.equal(peer.seen.length, 3);
    assert.ok(Date.now() - t0 >= 3 * FAST.timeoutMs - 5);
  });

  test('the right cookie from another address or port does not count as the reply', async () => {
    const impostor = createSocket('udp4');
    await new Promise<void>((r) => impostor.bind(0, '127.0.0.1', () => r()));
    const strays: string[] = [];
    const c = client({ retries: 0, onStray: (w: string) => strays.push(w) });
    // The peer stays silent; another socket answers with the right cookie.
    peer.answer = (_req, _n, cookie, from) => {
      impostor.send(`${cookie} d6:result4:ponge`, from.port, from.address);
      return undefined;
    };
    await assert.rejects(c.request(peer.target, { command: 'ping' }), NgTimeout);
    assert.ok(strays.includes('unmatched'));
    impostor.close();
  });
});

describe('rtpengine instances', () => {
  let a: FakeNgPeer;
  let b: FakeNgPeer;
  const sets: RtpengineSet[] = [];
  const setOf = (weights = [1, 1], random = () => 0) => {
    const down: string[] = [];
    const s = new RtpengineSet(
      [
        { socket: 'udp:a', weight: weights[0]!, ...a.target },
        { socket: 'udp:b', weight: weights[1]!, ...b.target },
      ],
      new NgClient(FAST),
      (socket) => down.push(socket),
      random,
    );
    sets.push(s);
    return { s, down };
  };
  before(async () => {
    a = await FakeNgPeer.open();
    b = await FakeNgPeer.open();
  });
  after(async () => {
    for (const s of sets) s.close();
    await a.close();
    await b.close();
  });
  const ok = (tag: string) => () => ({ result: 'ok', sdp: `v=0 ${tag}` });

  test('an instance that stops answering is marked down and the offer fails over; the call stays on the next', async () => {
    const { s, down } = setOf();
    a.answer = () => undefined;
    b.answer = ok('b');
    const r = await s.offer('call-1', { command: 'offer', 'call-id': 'call-1' });
    assert.equal(r.sdp, 'v=0 b');
    assert.deepEqual(down, ['udp:a']);
    assert.deepEqual(
      s.show().map((i) => [i.socket, i.up, i.sessions]),
      [
        ['udp:a', false, 0],
        ['udp:b', true, 1],
      ],
    );
    // a answers again: a new call may go there only after a ping brings it back.
    a.answer = ok('a');
    b.seen.length = 0;
    await s.forCall('call-1', { command: 'answer' });
    assert.equal(b.seen.length, 1, 'the answer goes where the offer went');
    assert.equal((await s.offer('call-2', { command: 'offer' })).sdp, 'v=0 b', 'a is still down');
    assert.deepEqual(await s.ping('udp:a').then((p) => p.map((x) => x.up)), [true]);
    assert.equal((await s.offer('call-3', { command: 'offer' })).sdp, 'v=0 a', 'a is back');
    await s.forCall('call-1', { command: 'delete' }, { end: true });
    assert.equal(s.has('call-1'), false);
    assert.equal(s.sessions, 2);
  });

  test('no instance answering: RtpengineError; an error reply is an RtpengineError and the instance stays up', async () => {
    const { s } = setOf();
    a.answer = () => undefined;
    b.answer = () => undefined;
    await assert.rejects(s.offer('c', { command: 'offer' }), /no rtpengine instance answered/);
    await assert.rejects(s.offer('c', { command: 'offer' }), /no rtpengine instance is usable/);
    a.answer = () => ({ result: 'error', 'error-reason': 'Incomplete SDP specification' });
    await s.ping('udp:a').catch(() => undefined);
    const err = await s.offer('c', { command: 'offer' }).catch((e: unknown) => e);
    assert.ok(err instanceof RtpengineError);
    assert.match((err as Error).message, /Incomplete SDP specification/);
    assert.equal(s.show()[0]!.up, true);
    assert.equal(s.has('c'), false, 'a refused offer binds no call');
  });

  test('weights share new calls; a disabled instance gets none; commands of unknown calls are refused', async () => {
    a.answer = ok('a');
    b.answer = ok('b');
    const picks = [0.1, 0.5, 0.9];
    let k = 0;
    const { s } = setOf([1, 3], () => picks[k++ % picks.length]!);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await s.offer(`w${i}`, { command: 'offer' })).sdp);
    assert.deepEqual(got, ['v=0 a', 'v=0 b', 'v=0 b'], 'weight 1 takes [0, 0.25), weight 3 the rest');
    assert.deepEqual(s.setEnabled('udp:b', false), ['udp:b']);
    k = 2;
    assert.equal((await s.offer('w9', { command: 'offer' })).sdp, 'v=0 a');
    assert.throws(() => s.setEnabled('udp:nope', true), RtpengineError);
    await assert.rejects(s.forCall('unknown', { command: 'answer' }), RtpengineError);
  });
});
