/**
 * NAT media relay through a real rtpengine (Debian rtpengine-daemon 10.5, user space): two
 * phones behind "NAT" (private addresses in Contact and SDP, as nat.test.ts makes them) call
 * through sipd with [rtpengine] mode = "nat". The SDP each side receives points at rtpengine,
 * RTP sent to those ports arrives at the other side, and BYE, CANCEL and busy leave no session
 * in rtpengine. Phones not behind NAT keep their SDP. rtpengine down: 503 (or relayed without
 * media relay with on_failure = "relay"); two instances: killing the one in use moves new calls
 * to the other. Management: rtpengine.show and sipctl rtpengine.
 */
import { dialogSides, sendInDialog } from '../../helpers/dialog.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSdp, type SipResponse } from '../../../src/core/index.js';
import { runBin } from '../../helpers/run-cli.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { RtpPort } from '../../helpers/rtp-port.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, waitFor } from '../../helpers/net.js';
import type { TestUA } from '../../helpers/test-ua.js';

const skip = rtpengineMissing();
const USERS: Array<[string, string]> = ['alice', 'bob', 'carol', 'dave'].map((u) => [u, `${u}-pw`]);

function media(body: Buffer | string): { ip: string; port: number; origin: string } {
  const s = parseSdp(body.toString());
  assert.ok(s, 'an SDP body');
  const m = s.media[0]!;
  return { ip: (m.connection ?? s.connection)!.address, port: m.port, origin: s.origin!.address };
}

describe('sipd with rtpengine: NAT media relay', { skip }, () => {
  let rtp: Rtpengine;
  let h: SipdHarness;
  const ports: RtpPort[] = [];
  const phones: Record<string, TestUA> = {};

  async function phone(user: string, contactHostPort?: string, sipd = h): Promise<TestUA> {
    const u = await sipd.ua(user, `${user}-pw`, contactHostPort ? { contactHostPort } : {});
    assert.equal((await u.register({ expires: 600 })).status, 200);
    return u;
  }

  async function rtpFor(ua: TestUA, ip: string): Promise<RtpPort> {
    const p = await RtpPort.open();
    ports.push(p);
    ua.sdp = p.sdp(ip);
    return p;
  }

  before(async () => {
    rtp = await Rtpengine.start();
    h = await SipdHarness.start({
      users: USERS,
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "nat"\n[timers]\nfr_inv_ms = 3000\n`,
    });
    phones.alice = await phone('alice', '10.0.0.5:5060');
    phones.bob = await phone('bob', '192.168.1.20:5060');
    phones.carol = await phone('carol');
    phones.dave = await phone('dave');
  });
  after(async () => {
    for (const p of ports) p.close();
    await h?.stop();
    await rtp?.stop();
  });

  test('a call between phones behind NAT: each SDP points at rtpengine, RTP flows both ways, BYE leaves no session', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    const a = await rtpFor(alice!, '10.0.0.5');
    const b = await rtpFor(bob!, '192.168.1.20');
    bob!.invitePolicy = { kind: 'answer', ringMs: 20 };
    const before = await h.stats('rtpengine:');
    const call = alice!.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);

    const toBob = media(bob!.requests('INVITE').at(-1)!.body);
    const toAlice = media(res.body);
    for (const [who, m, own] of [
      ['bob', toBob, a.port],
      ['alice', toAlice, b.port],
    ] as const) {
      assert.equal(m.ip, '127.0.0.1', `${who} gets rtpengine's address, not a private one`);
      assert.equal(m.origin, '127.0.0.1', `${who}: o= rewritten too (replace-origin)`);
      assert.ok(m.port >= rtp.portMin && m.port <= rtp.portMax, `${who} gets a port of rtpengine (${m.port})`);
      assert.notEqual(m.port, own);
    }
    assert.deepEqual(await rtp.calls(), [call.callId]);

    // RTP: alice sends to the port her SDP names, bob receives it; and back.
    await a.send(toAlice.port, 5);
    await b.send(toBob.port, 5);
    await waitFor(() => b.got.length >= 3 && a.got.length >= 3, 3000, 'RTP both ways');
    assert.equal(b.got[0]!.length, 172, 'an RTP packet as sent');

    // An UPDATE with a new offer (alice moved to another port) goes through rtpengine again.
    const a2 = await RtpPort.open();
    ports.push(a2);
    const upd = await call.update(res, a2.sdp('10.0.0.5'));
    assert.equal(upd.status, 200);
    const updToBob = media(bob!.requests('UPDATE').at(-1)!.body);
    assert.equal(updToBob.ip, '127.0.0.1', 'the UPDATE offer points at rtpengine');
    assert.equal(media(upd.body).ip, '127.0.0.1', 'so does its answer');
    // rtpengine learned alice's old port from her packets: her new one counts once she sends from it.
    await sleep(50);
    const atBob = b.got.length;
    await a2.send(media(upd.body).port, 3);
    await waitFor(() => b.got.length >= atBob + 2, 3000, 'RTP from alice’s new port');
    await b.send(updToBob.port, 3);
    await waitFor(() => a2.got.length >= 2, 3000, 'RTP to alice on her new port');
    assert.deepEqual(await rtp.calls(), [call.callId], 'still one call');

    // A BYE whose Route names sipd without the dialog's mark (a stranger who learned the Call-ID
    // and tags) is refused, and the media session stays: only the dialog's route set ends it.
    const { callerSide } = dialogSides(alice!, bob!, res, bob!.requests('INVITE').at(-1)!);
    const unsigned = callerSide.routes.map((r) => r.replace(/;sig=[^;>]*/, ''));
    assert.notDeepEqual(unsigned, callerSide.routes, 'the Record-Route carried a mark');
    assert.equal((await sendInDialog({ ...callerSide }, 'BYE', unsigned)).status, 403);
    assert.deepEqual(await rtp.calls(), [call.callId], 'a forged BYE leaves the media session alone');

    // sipd deletes before it relays the BYE: by its 200 the session is gone.
    assert.equal((await call.bye(res)).status, 200);
    assert.deepEqual(await rtp.calls(), [], 'no session left after BYE');
    const after = await h.stats('rtpengine:');
    assert.equal(after['rtpengine.offers']! - before['rtpengine.offers']!, 2, 'the INVITE and the UPDATE');
    assert.ok(after['rtpengine.answers']! - before['rtpengine.answers']! >= 2);
    assert.equal(after['rtpengine.deletes']! - before['rtpengine.deletes']!, 1);
    assert.equal(after['rtpengine.sessions'], 0);
    assert.equal(after['rtpengine.errors'], before['rtpengine.errors']);
  });

  test('late offer: an INVITE without SDP, the offer in the 200 and the answer in the ACK go through rtpengine', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    const a = await rtpFor(alice!, '10.0.0.5');
    const answer = alice!.sdp;
    alice!.sdp = '';
    const b = await rtpFor(bob!, '192.168.1.20');
    bob!.invitePolicy = { kind: 'answer' };
    const before = await h.stats('rtpengine:');
    try {
      const call = alice!.call('bob');
      const res = await call.final;
      assert.equal(res.status, 200);
      assert.equal(bob!.requests('INVITE').at(-1)!.body.length, 0, 'the INVITE went without SDP');
      const toAlice = media(res.body);
      assert.equal(toAlice.ip, '127.0.0.1', "the 200's offer points at rtpengine");
      assert.ok(toAlice.port >= rtp.portMin && toAlice.port <= rtp.portMax, `a port of rtpengine (${toAlice.port})`);
      await call.ack(res, answer);
      await waitFor(() => bob!.requests('ACK').some((r) => r.callId() === call.callId), 3000, 'the ACK at bob');
      const toBob = media(bob!.requests('ACK').find((r) => r.callId() === call.callId)!.body);
      assert.equal(toBob.ip, '127.0.0.1', "the ACK's answer points at rtpengine");
      assert.equal(toBob.origin, '127.0.0.1');
      assert.ok(toBob.port >= rtp.portMin && toBob.port <= rtp.portMax, `a port of rtpengine (${toBob.port})`);
      assert.notEqual(toBob.port, a.port);
      assert.deepEqual(await rtp.calls(), [call.callId]);

      await a.send(toAlice.port, 5);
      await b.send(toBob.port, 5);
      await waitFor(() => b.got.length >= 3 && a.got.length >= 3, 3000, 'RTP both ways');

      assert.equal((await call.bye(res)).status, 200);
      assert.deepEqual(await rtp.calls(), [], 'no session left after BYE');
      const after = await h.stats('rtpengine:');
      assert.equal(after['rtpengine.offers']! - before['rtpengine.offers']!, 1, "the 200's offer");
      assert.equal(after['rtpengine.answers']! - before['rtpengine.answers']!, 1, "the ACK's answer");
      assert.equal(after['rtpengine.errors'], before['rtpengine.errors']);
    } finally {
      alice!.sdp = answer;
    }
  });

  test('CANCEL and busy end the session too', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    await rtpFor(alice!, '10.0.0.5');
    bob!.invitePolicy = { kind: 'ring' };
    const c1 = alice!.call('bob');
    await c1.ringing;
    assert.equal((await rtp.calls()).length, 1);
    await c1.cancel();
    assert.equal((await c1.final).status, 487);
    await sleep(50);
    assert.deepEqual(await rtp.calls(), [], 'no session after CANCEL');

    bob!.invitePolicy = { kind: 'reject', status: 486, ringFirst: true };
    assert.equal((await alice!.call('bob').final).status, 486);
    await sleep(50);
    assert.deepEqual(await rtp.calls(), [], 'no session after 486');
  });

  test('no answer: the fr_inv timer (3 s here) ends the call with 408 and its session', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    await rtpFor(alice!, '10.0.0.5');
    bob!.invitePolicy = { kind: 'ring' };
    const call = alice!.call('bob');
    await call.ringing;
    assert.deepEqual(await rtp.calls(), [call.callId]);
    assert.equal((await call.final).status, 408);
    await sleep(50);
    assert.deepEqual(await rtp.calls(), [], 'no session after the timeout');
  });

  test('phones not behind NAT keep their own SDP with mode = "nat"', async () => {
    const { carol, dave } = phones as Required<typeof phones>;
    const c = await rtpFor(carol!, '127.0.0.1');
    dave!.invitePolicy = { kind: 'answer' };
    const before = await h.stats('rtpengine:');
    const call = carol!.call('dave');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    assert.equal(media(dave!.requests('INVITE').at(-1)!.body).port, c.port, 'the offer as carol wrote it');
    assert.equal((await call.bye(res)).status, 200);
    assert.equal((await h.stats('rtpengine:'))['rtpengine.offers'], before['rtpengine.offers']);
  });

  test('management: rtpengine.show, sipctl rtpengine show and ping', async () => {
    const show = await h.rpc<{ mode: string; instances: Array<{ socket: string; up: boolean }> }>('rtpengine.show');
    assert.equal(show.mode, 'nat');
    assert.deepEqual(
      show.instances.map((i) => [i.socket, i.up]),
      [[rtp.socket, true]],
    );
    const env = { ...process.env, SIPD_SOCKET: h.server.mgmtSocket, HOME: h.dir, XDG_CONFIG_HOME: h.dir };
    const r = await runBin('sipctl', ['rtpengine', 'ping', '--json'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).result.instances[0].up, true);
    const d = await runBin('sipctl', ['rtpengine', 'disable', 'udp:127.0.0.1:1', '--json'], { env });
    assert.equal(d.status, 3, 'an unknown instance: not found');
    const text = await runBin('sipctl', ['rtpengine', 'show'], { env });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(rtp.socket));
  });
});

describe('sipd with rtpengine down or failing over', { skip }, () => {
  const started: Array<{ stop(): Promise<void> }> = [];
  after(async () => {
    for (const s of started.reverse()) await s.stop();
  });

  async function sipdWith(rtpengine: string): Promise<SipdHarness> {
    const h = await SipdHarness.start({ users: USERS, config: `[rtpengine]\n${rtpengine}\n` });
    started.push({ stop: async () => ((h.errors.length = 0), await h.stop()) });
    return h;
  }

  async function natCall(h: SipdHarness): Promise<{ res: SipResponse; toBob: ReturnType<typeof media> | undefined }> {
    const alice = await h.ua('alice', 'alice-pw', { contactHostPort: '10.0.0.5:5060' });
    const bob = await h.ua('bob', 'bob-pw', { contactHostPort: '192.168.1.20:5060' });
    await alice.register({ expires: 600 });
    await bob.register({ expires: 600 });
    alice.sdp = alice.sdp.replace(/127\.0\.0\.1/g, '10.0.0.5');
    const call = alice.call('bob');
    const res = await call.final;
    if (res.status === 200) await call.ack(res);
    const inv = bob.requests('INVITE').at(-1);
    return { res, toBob: inv ? media(inv.body) : undefined };
  }

  test('no rtpengine answering: the call gets 503, logged and counted', async () => {
    const h = await sipdWith('sockets = ["udp:127.0.0.1:9"]\ntimeout_ms = 50\nretries = 1');
    const { res } = await natCall(h);
    assert.equal(res.status, 503);
    assert.ok(h.errors.some((l) => /rtpengine offer failed/.test(l)));
    assert.equal((await h.stats('rtpengine:'))['rtpengine.errors'], 1);
    const show = await h.rpc<{ instances: Array<{ up: boolean }> }>('rtpengine.show');
    assert.equal(show.instances[0]!.up, false);
  });

  test('on_failure = "relay": the call goes through with its own SDP', async () => {
    const h = await sipdWith('sockets = ["udp:127.0.0.1:9"]\ntimeout_ms = 50\nretries = 0\non_failure = "relay"');
    const { res, toBob } = await natCall(h);
    assert.equal(res.status, 200);
    assert.equal(toBob!.ip, '10.0.0.5', 'without media relay');
  });

  test('two instances: the one in use is killed, the next call goes to the other', async () => {
    const one = await Rtpengine.start();
    started.push(one);
    const two = await Rtpengine.start();
    started.push(two);
    const h = await sipdWith(`sockets = ["${one.socket}=1", "${two.socket}=0"]\ntimeout_ms = 100\nretries = 1`);
    const first = await natCall(h);
    assert.equal(first.res.status, 200);
    assert.equal((await one.calls()).length, 1, 'weight 0: the second takes no new calls while the first answers');
    process.kill(one.pid, 'SIGKILL');
    await sleep(100);
    const second = await natCall(h);
    assert.equal(second.res.status, 200);
    assert.ok(second.toBob!.port >= two.portMin && second.toBob!.port <= two.portMax, 'SDP of the second instance');
    assert.equal((await two.calls()).length, 1);
    const show = await h.rpc<{ instances: Array<{ up: boolean }> }>('rtpengine.show');
    assert.deepEqual(
      show.instances.map((i) => i.up),
      [false, true],
    );
  });
});
