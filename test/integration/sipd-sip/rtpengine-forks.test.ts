/**
 * Media relay of forked calls and of calls whose BYE never comes, through sipd and a real
 * rtpengine (Debian rtpengine-daemon 10.5, user space). bob is registered twice (two phones
 * behind NAT): the INVITE forks, each branch is offered to rtpengine with its own via-branch
 * and gets ports of its own; both ring with early media; the phone that rejects loses its media
 * leg (its packets no longer reach the caller) while the call goes on; the other answers and
 * RTP flows between it and the caller; the BYE leaves no session. A call whose BYE never comes
 * is deleted by sipd after [rtpengine] max_call_time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSdp } from '../../../src/core/index.js';
import { sleep, waitFor } from '../../helpers/net.js';
import { RtpPort } from '../../helpers/rtp-port.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import type { TestUA } from '../../helpers/test-ua.js';

const skip = rtpengineMissing();
const USERS: Array<[string, string]> = [
  ['alice', 'alice-pw'],
  ['bob', 'bob-pw'],
];

function port(body: Buffer | string): number {
  const s = parseSdp(body.toString());
  assert.ok(s, 'an SDP body');
  assert.equal((s.media[0]!.connection ?? s.connection)!.address, '127.0.0.1', "rtpengine's address");
  return s.media[0]!.port;
}

describe('sipd with rtpengine: forked calls and calls that never end', { skip }, () => {
  let rtp: Rtpengine;
  const started: Array<{ stop(): Promise<void> }> = [];
  const ports: RtpPort[] = [];
  before(async () => {
    rtp = await Rtpengine.start();
  });
  after(async () => {
    for (const p of ports) p.close();
    for (const s of started.reverse()) await s.stop();
    await rtp?.stop();
  });

  async function sipd(extra = ''): Promise<SipdHarness> {
    const h = await SipdHarness.start({
      users: USERS,
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "nat"\n${extra}`,
    });
    started.push(h);
    return h;
  }

  async function phone(h: SipdHarness, user: string, contact: string): Promise<{ ua: TestUA; rtp: RtpPort }> {
    const ua = await h.ua(user, `${user}-pw`, { contactHostPort: contact });
    assert.equal((await ua.register({ expires: 600 })).status, 200);
    const p = await RtpPort.open();
    ports.push(p);
    ua.sdp = p.sdp(contact.split(':')[0]!);
    return { ua, rtp: p };
  }

  test('two forked branches get a media leg each; the one that fails loses its leg, the one that answers talks', async () => {
    const h = await sipd();
    const alice = await phone(h, 'alice', '10.0.0.5:5060');
    const bob1 = await phone(h, 'bob', '192.168.1.21:5060');
    const bob2 = await phone(h, 'bob', '192.168.1.22:5060');
    for (const b of [bob1, bob2]) {
      b.ua.earlyMedia = true;
      b.ua.invitePolicy = { kind: 'ring' };
    }
    const call = alice.ua.call('bob');
    await waitFor(() => call.provisionals.filter((r) => r.status === 183).length >= 2, 5000, 'a 183 from each phone');
    const early = call.provisionals.filter((r) => r.status === 183);
    assert.notEqual(early[0]!.toTag(), early[1]!.toTag(), 'two early dialogs');
    const to1 = port(bob1.ua.requests('INVITE').at(-1)!.body);
    const to2 = port(bob2.ua.requests('INVITE').at(-1)!.body);
    assert.notEqual(to1, to2, 'each branch got ports of its own in rtpengine (via-branch)');
    assert.deepEqual(await rtp.calls(), [call.callId], 'one call in rtpengine');

    // bob2 gives up: its branch's leg is deleted, the call rings on at bob1.
    bob2.ua.answerPending(call.callId, 486);
    // Its leg's delete (via-branch) went out (the only delete so far); rtpengine acts on it.
    const deadline = Date.now() + 5000;
    while ((await h.stats('rtpengine:'))['rtpengine.deletes'] !== 1 && Date.now() < deadline) await sleep(50);
    assert.equal((await h.stats('rtpengine:'))['rtpengine.deletes'], 1, "the failed branch's delete");
    await sleep(100);
    assert.deepEqual(await rtp.calls(), [call.callId], 'the call is still there');
    const heard = alice.rtp.got.length;
    await bob2.rtp.send(to2, 5);
    await sleep(200);
    assert.equal(alice.rtp.got.length, heard, 'the failed branch no longer reaches the caller');

    bob1.ua.answerPending(call.callId, 200);
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    const toAlice = port(res.body);
    await alice.rtp.send(toAlice, 5);
    await bob1.rtp.send(to1, 5);
    await waitFor(() => bob1.rtp.got.length >= 3 && alice.rtp.got.length >= heard + 3, 3000, 'RTP alice <-> bob1');
    assert.equal(bob2.rtp.got.length, 0, 'nothing for the phone that rejected');

    assert.equal((await call.bye(res)).status, 200);
    assert.deepEqual(await rtp.calls(), [], 'no session after BYE');
    const s = await h.stats('rtpengine:');
    assert.equal(s['rtpengine.offers'], 2, 'one offer per branch');
    assert.equal(s['rtpengine.sessions'], 0);
    assert.equal(s['rtpengine.errors'], 0);
  });

  for (const late of [true, false])
    test(`${late ? 'a late offer' : 'an offer'} answered by two forked branches: the first 2xx keeps the media, the BYE of the second leaves it`, async () => {
      const h = await sipd();
      const alice = await phone(h, 'alice', '10.0.0.5:5060');
      const answer = alice.ua.sdp;
      // Late: an INVITE without SDP, each 200 brings an offer and each ACK the answer.
      if (late) alice.ua.sdp = '';
      const bob1 = await phone(h, 'bob', '192.168.1.21:5060');
      const bob2 = await phone(h, 'bob', '192.168.1.22:5060');
      for (const b of [bob1, bob2]) b.ua.invitePolicy = { kind: 'ring' };
      const call = alice.ua.call('bob');
      await waitFor(
        () => bob1.ua.requests('INVITE').length > 0 && bob2.ua.requests('INVITE').length > 0,
        5000,
        'both ring',
      );
      // Both answer at once: the second 200 is on its way before sipd's CANCEL could stop it, and
      // sipd forwards every 2xx (RFC 3261 §16.7 step 5).
      bob1.ua.answerPending(call.callId, 200);
      bob2.ua.answerPending(call.callId, 200);
      const oks = () => call.finals.filter((r) => r.status === 200);
      await waitFor(() => oks().length >= 2, 5000, 'both 200s at alice');
      const [first, second] = oks();
      // Whichever 200 sipd relayed first wins the media.
      const [won, lost] = first!.get('contact')!.includes('192.168.1.21') ? [bob1, bob2] : [bob2, bob1];
      const lostIp = lost === bob1 ? '192.168.1.21' : '192.168.1.22';
      const offer = port(first!.body);
      assert.match(
        second!.body.toString(),
        new RegExp(`c=IN IP4 ${lostIp.replace(/\./g, '\\.')}`),
        "the second 200's own SDP",
      );
      await call.ack(first!, late ? answer : undefined);
      await call.ack(second!, late ? answer : undefined);
      await waitFor(() => won.ua.requests('ACK').length > 0 && lost.ua.requests('ACK').length > 0, 3000, 'both ACKs');
      // Where the winner sends: the ACK's answer (late), or the INVITE's offer it got.
      const ack = port(won.ua.requests(late ? 'ACK' : 'INVITE').at(-1)!.body);
      if (late)
        assert.match(
          lost.ua.requests('ACK').at(-1)!.body.toString(),
          /c=IN IP4 10\.0\.0\.5/,
          "the second ACK's own SDP",
        );
      // alice keeps the first and hangs up on the second; RTP between alice and the first flows both ways.
      assert.equal((await call.bye(second!)).status, 200);
      await alice.rtp.send(offer, 5);
      await won.rtp.send(ack, 5);
      await waitFor(() => won.rtp.got.length >= 3 && alice.rtp.got.length >= 3, 3000, 'RTP alice <-> the first');
      assert.equal(lost.rtp.got.length, 0, 'nothing for the phone hung up on');
      assert.equal((await call.bye(first!)).status, 200);
      assert.deepEqual(await rtp.calls(), [], 'no session after the BYEs');
      const s = await h.stats('rtpengine:');
      // late: the first 200's offer and its ACK's answer; else one offer per branch and the first 200's answer
      assert.equal(s['rtpengine.offers'], late ? 1 : 2);
      assert.equal(s['rtpengine.answers'], 1);
      assert.equal(s['rtpengine.errors'], 0);
    });

  test('a call whose BYE never comes is deleted after max_call_time', async () => {
    const h = await sipd('max_call_time = 2\ncheck_time = 1\n');
    const alice = await phone(h, 'alice', '10.0.0.5:5060');
    const bob = await phone(h, 'bob', '192.168.1.20:5060');
    bob.ua.invitePolicy = { kind: 'answer' };
    const call = alice.ua.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    const mine = async () => (await rtp.calls()).filter((c) => c === call.callId);
    assert.deepEqual(await mine(), [call.callId]);
    // No BYE: the phones are gone. max_call_time = 2 s, swept every second.
    const deadline = Date.now() + 8000;
    while ((await mine()).length > 0 && Date.now() < deadline) await sleep(200);
    assert.deepEqual(await mine(), [], 'rtpengine has no session left');
    const s = await h.stats('rtpengine:');
    assert.equal(s['rtpengine.sessions'], 0, 'sipd holds nothing for the call either');
    assert.equal(s['rtpengine.expired'], 1);
  });
});
