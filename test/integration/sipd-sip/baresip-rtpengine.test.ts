/**
 * Audio between two real phones (baresip, Debian 1.0, a 440 Hz tone from a WAV file as each
 * microphone) through sipd and a real rtpengine (Debian rtpengine-daemon, user space) with
 * [rtpengine] mode = "always": the SDP each phone receives names rtpengine (its address and a
 * port of its range, not the other phone's port), RTP flows both ways through rtpengine (its
 * per-stream packet counters from ng `query`, and the packets each baresip counted as received,
 * coming from rtpengine's ports), and after the hang-up rtpengine has no session left (ng `list`
 * empty, `query` an error) and sipd counts one delete.
 *
 * The phones' RTP ports (10000-19999) and rtpengine's (20000 and up, test/helpers/rtpengine.ts)
 * do not overlap, so a port says who owns it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSdp, type AnyMessage, type SipRequest } from '../../../src/core/index.js';
import { Baresip, requireBaresip, type TracedMessage } from '../../helpers/baresip.js';
import { isCi } from '../../helpers/mysql.js';
import { sleep } from '../../helpers/net.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

const PHONE_RTP: [number, number] = [10000, 19999];

function skipReason(): string | undefined {
  const missing = requireBaresip().skip ?? rtpengineMissing();
  if (missing && isCi()) throw new Error(`${missing}; CI=true requires the baresip/rtpengine test to run`);
  return missing;
}
const skip = skipReason();

/** The audio address and port an SDP body names. */
function audioOf(msg: AnyMessage): { ip: string; port: number } {
  const s = parseSdp(msg.body.toString('latin1'));
  assert.ok(s, `an SDP body in ${msg.isRequest ? (msg as SipRequest).method : msg.status}`);
  const m = s.media.find((x) => x.type === 'audio')!;
  return { ip: (m.connection ?? s.connection)!.address, port: m.port };
}

const isInvite = (t: TracedMessage) => t.msg.isRequest && (t.msg as SipRequest).method === 'INVITE';
const isInvite200 = (t: TracedMessage) => !t.msg.isRequest && t.msg.status === 200 && t.msg.cseq().method === 'INVITE';

interface NgStream {
  'local port': number;
  endpoint: { address: string; port: number };
  flags: string[];
  stats: { packets: number };
}

/** The RTP streams of a call as rtpengine's ng query reports them: one per side (tag). */
async function rtpStreams(rtp: Rtpengine, callId: string): Promise<NgStream[]> {
  const q = await rtp.ng({ command: 'query', 'call-id': callId });
  assert.equal(q.result, 'ok', JSON.stringify(q));
  const tags = Object.values(q.tags as unknown as Record<string, { medias: Array<{ streams: NgStream[] }> }>);
  return tags.map((t) => t.medias[0]!.streams.find((s) => s.flags.includes('RTP'))!);
}

describe('baresip phones with audio through sipd and rtpengine', { skip }, () => {
  let rtp: Rtpengine;
  let h: SipdHarness;
  const phones: Baresip[] = [];
  let alice: Baresip;
  let bob: Baresip;

  before(async () => {
    rtp = await Rtpengine.start();
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "always"\n`,
    });
    const phone = (user: string) =>
      Baresip.start({
        user,
        password: `${user}-pw`,
        domain: DOMAIN,
        proxy: { host: '127.0.0.1', port: h.udpPort },
        rtpPorts: PHONE_RTP,
      });
    phones.push((alice = await phone('alice')));
    phones.push((bob = await phone('bob')));
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.stop()));
    await h?.stop();
    await rtp?.stop();
  });

  test('alice calls bob: each SDP names rtpengine, RTP flows both ways through it, hang-up leaves no session', async () => {
    const inRange = (port: number) => port >= rtp.portMin && port <= rtp.portMax;
    const statsBefore = await h.stats('rtpengine:');
    const [aEvents, bEvents] = [alice.events.length, bob.events.length];
    await alice.dial(`sip:bob@${DOMAIN}`);
    await Promise.all([
      alice.waitEvent('CALL_ESTABLISHED', 8000, aEvents),
      bob.waitEvent('CALL_ESTABLISHED', 8000, bEvents),
    ]);

    // The SDP as each phone sent it (its own port) and as the other received it (rtpengine's).
    const aOffer = alice.trace().findLast(isInvite)!;
    const callId = aOffer.msg.callId();
    const bOffer = bob.trace().find((t) => isInvite(t) && t.msg.callId() === callId)!;
    const bAnswer = bob.trace().find((t) => isInvite200(t) && t.msg.callId() === callId)!;
    const aAnswer = alice.trace().find((t) => isInvite200(t) && t.msg.callId() === callId)!;
    assert.ok(bOffer && bAnswer && aAnswer, 'INVITE and 200 on both phones');
    const own = { alice: audioOf(aOffer.msg), bob: audioOf(bAnswer.msg) };
    const seen = { bob: audioOf(bOffer.msg), alice: audioOf(aAnswer.msg) };
    for (const who of ['alice', 'bob'] as const) {
      assert.ok(own[who].port >= PHONE_RTP[0] && own[who].port <= PHONE_RTP[1], `${who}'s own port ${own[who].port}`);
      assert.equal(seen[who].ip, '127.0.0.1', `${who} is sent to rtpengine's address`);
      assert.ok(inRange(seen[who].port), `${who} is sent to a port of rtpengine (${seen[who].port})`);
    }
    assert.notEqual(seen.bob.port, own.alice.port, "bob does not get alice's own port");
    assert.notEqual(seen.alice.port, own.bob.port, "alice does not get bob's own port");
    assert.deepEqual(await rtp.calls(), [callId], 'rtpengine has the call');

    // Audio for a while, then rtpengine's view: one RTP stream per phone, each talking with the
    // phone's own port from the port that phone was given, each with packets in.
    await Promise.all([alice.waitEvent('CALL_RTPESTAB', 8000, aEvents), bob.waitEvent('CALL_RTPESTAB', 8000, bEvents)]);
    await sleep(1500);
    const streams = await rtpStreams(rtp, callId);
    const byPhone = (port: number) => streams.find((s) => s.endpoint.port === port);
    for (const who of ['alice', 'bob'] as const) {
      const s = byPhone(own[who].port);
      assert.ok(s, `rtpengine has a stream with ${who}'s port ${own[who].port}: ${JSON.stringify(streams)}`);
      assert.equal(s['local port'], seen[who].port, `rtpengine uses the port it gave ${who}`);
      assert.ok(s.stats.packets >= 25, `rtpengine got ${s.stats.packets} RTP packets from ${who}`);
    }
    // Each phone's first RTP came from rtpengine's port, the one its SDP named.
    assert.deepEqual(alice.rtpSources(), [`127.0.0.1:${seen.alice.port}`]);
    assert.deepEqual(bob.rtpSources(), [`127.0.0.1:${seen.bob.port}`]);

    await alice.hangup();
    await Promise.all([alice.waitEvent('CALL_CLOSED', 8000, aEvents), bob.waitEvent('CALL_CLOSED', 8000, bEvents)]);
    // Each phone counted the packets it received (rtp_stats, printed as the call ends).
    for (const p of phones) {
      const deadline = Date.now() + 3000;
      while (!p.rtpStats() && Date.now() < deadline) await sleep(20);
      const st = p.rtpStats();
      assert.ok(st, `${p.opts.user} printed its RTP statistics`);
      assert.ok(st.rx >= 50 && st.tx >= 50, `${p.opts.user}: ${st.tx} RTP packets sent, ${st.rx} received`);
    }

    // sipd deleted the session when it relayed the BYE; give the 200 a moment to come back.
    const deadline = Date.now() + 3000;
    while ((await rtp.calls()).length > 0 && Date.now() < deadline) await sleep(50);
    assert.deepEqual(await rtp.calls(), [], 'no session left in rtpengine');
    const gone = await rtp.ng({ command: 'query', 'call-id': callId });
    assert.equal(gone.result, 'error', 'query: the call is unknown');
    const statsAfter = await h.stats('rtpengine:');
    assert.equal(statsAfter['rtpengine.offers']! - statsBefore['rtpengine.offers']!, 1);
    assert.equal(statsAfter['rtpengine.answers']! - statsBefore['rtpengine.answers']!, 1);
    assert.equal(statsAfter['rtpengine.deletes']! - statsBefore['rtpengine.deletes']!, 1);
    assert.equal(statsAfter['rtpengine.sessions'], 0);
    assert.equal(statsAfter['rtpengine.errors'], statsBefore['rtpengine.errors']);
  });
});
