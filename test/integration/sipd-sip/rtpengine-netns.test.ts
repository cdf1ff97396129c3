/**
 * Real NAT (network namespaces, helpers/netns.ts): two phones' media behind a masquerading
 * router, sipd and rtpengine outside. The phones' SIP comes from test UAs with the phones'
 * private addresses in Contact and SDP (sipd sees them behind NAT, as in rtpengine.test.ts); their
 * RTP comes from sockets inside the namespaces, through the router's NAT. With [rtpengine]
 * mode = "nat" audio flows both ways (rtpengine learns each phone's public address from its
 * packets); with mode = "off" each phone sends to the other's private address and nothing
 * arrives. Skipped, with the reason, where namespaces cannot be made (not root) or rtpengine
 * is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSdp } from '../../../src/core/index.js';
import type { NgDict } from '../../../src/daemon/rtpengine/ng-codec.js';
import { NetnsNat } from '../../helpers/netns.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';

const skip = rtpengineMissing() ?? NetnsNat.unavailable();
const USERS: Array<[string, string]> = [
  ['alice', 'alice-pw'],
  ['bob', 'bob-pw'],
];
const PORT = { a: 4000, b: 5000 };

function sdp(ip: string, port: number): string {
  return `v=0\r\no=- 7 7 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
}

function mediaOf(body: Buffer | string): { host: string; port: number } {
  const s = parseSdp(body.toString());
  assert.ok(s, 'an SDP body');
  const m = s.media[0]!;
  return { host: (m.connection ?? s.connection)!.address, port: m.port };
}

describe('sipd with rtpengine: phones behind a real NAT (network namespaces)', { skip }, () => {
  let nat: NetnsNat;
  let rtp: Rtpengine;
  const harnesses: SipdHarness[] = [];

  before(async () => {
    nat = NetnsNat.create();
    rtp = await Rtpengine.start({ address: nat.publicHost });
  });
  after(async () => {
    for (const h of harnesses) await h.stop();
    await rtp?.stop();
    nat?.close();
  });

  /** The addresses rtpengine learnt the call's RTP streams from (ng query). */
  async function rtpSources(callId: string): Promise<string[]> {
    const q = await rtp.ng({ command: 'query', 'call-id': callId });
    const found = new Set<string>();
    for (const tag of Object.values((q.tags ?? {}) as Record<string, NgDict>)) {
      for (const m of (tag.medias ?? []) as NgDict[]) {
        const rtpStream = ((m.streams ?? []) as NgDict[])[0];
        const ep = rtpStream?.endpoint as NgDict | undefined;
        if (ep) found.add(String(ep.address));
      }
    }
    return [...found];
  }

  /** A call alice → bob through a sipd with `mode`; the media addresses each phone got. */
  async function call(mode: 'nat' | 'off') {
    const h = await SipdHarness.start({
      users: USERS,
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "${mode}"\n`,
    });
    harnesses.push(h);
    const alice = await h.ua('alice', 'alice-pw', { contactHostPort: `${nat.phone('a')}:5060` });
    const bob = await h.ua('bob', 'bob-pw', { contactHostPort: `${nat.phone('b')}:5060` });
    assert.equal((await alice.register({ expires: 600 })).status, 200);
    assert.equal((await bob.register({ expires: 600 })).status, 200);
    alice.sdp = sdp(nat.phone('a'), PORT.a);
    bob.sdp = sdp(nat.phone('b'), PORT.b);
    const c = alice.call('bob');
    const res = await c.final;
    assert.equal(res.status, 200);
    await c.ack(res);
    return {
      callId: c.callId,
      toAlice: mediaOf(res.body),
      toBob: mediaOf(bob.requests('INVITE').at(-1)!.body),
      hangUp: () => c.bye(res),
    };
  }

  test('mode = "nat": audio flows both ways through rtpengine', async () => {
    const { callId, toAlice, toBob, hangUp } = await call('nat');
    assert.deepEqual(
      [toAlice.host, toBob.host],
      [nat.publicHost, nat.publicHost],
      "each phone gets rtpengine's address",
    );
    const [a, b] = await Promise.all([nat.rtp('a', PORT.a, toAlice), nat.rtp('b', PORT.b, toBob)]);
    // The first packets may go to the address the SDP named until rtpengine learns the NAT's.
    assert.ok(a.received >= 10, `alice heard bob (${a.received} packets)`);
    assert.ok(b.received >= 10, `bob heard alice (${b.received} packets)`);
    assert.deepEqual(a.from, [`${nat.publicHost}:${toAlice.port}`], 'from rtpengine');
    assert.deepEqual(b.from, [`${nat.publicHost}:${toBob.port}`]);
    assert.deepEqual(await rtpSources(callId), [nat.routerPublic], "rtpengine saw both phones at the NAT's address");
    assert.equal((await hangUp()).status, 200);
    assert.deepEqual(await rtp.calls(), []);
  });

  test('mode = "off": each phone sends to the other\'s private address and nothing arrives', async () => {
    const { toAlice, toBob, hangUp } = await call('off');
    assert.deepEqual(
      [toAlice, toBob],
      [
        { host: nat.phone('b'), port: PORT.b },
        { host: nat.phone('a'), port: PORT.a },
      ],
    );
    const [a, b] = await Promise.all([nat.rtp('a', PORT.a, toAlice), nat.rtp('b', PORT.b, toBob)]);
    assert.deepEqual([a.received, b.received], [0, 0], 'no audio without media relay');
    assert.equal((await hangUp()).status, 200);
  });
});
