/**
 * Two real phones (baresip, Debian 1.0) behind a real NAT (network namespaces, helpers/netns.ts:
 * each phone in its own namespace behind a masquerading router that lets nothing in but answers),
 * sipd and rtpengine outside on the "public" link. The phones' SIP and RTP both cross the NAT, with
 * their private addresses in Contact and SDP. With [rtpengine] mode = "nat" the call has audio
 * both ways (each phone counts the packets it received; rtpengine learnt the router's public
 * address from them); with mode = "off" the call connects but each phone sends to the other's
 * private address and nothing arrives (issue 13: "audio flows both ways with mode = nat and does
 * not without it").
 *
 * The test reaches each phone's ctrl_tcp over a link of its own into the namespace (a /30 veth
 * pair), since the NAT lets no connection in; SIP and media use the namespace's default route
 * through the router. Skipped, with the reason, where namespaces cannot be made (not root),
 * or baresip or rtpengine is missing (mandatory under CI=true only for the latter two).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { parseSdp, type AnyMessage, type SipRequest } from '../../../src/core/index.js';
import { Baresip, requireBaresip, type TracedMessage } from '../../helpers/baresip.js';
import { isCi } from '../../helpers/mysql.js';
import { sleep } from '../../helpers/net.js';
import { NetnsNat } from '../../helpers/netns.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

function skipReason(): string | undefined {
  const missing = requireBaresip().skip ?? rtpengineMissing();
  if (missing && isCi()) throw new Error(`${missing}; CI=true requires the baresip/rtpengine tests to run`);
  return missing ?? NetnsNat.unavailable();
}
const skip = skipReason();

const PHONE_RTP: [number, number] = [10000, 19999];
const CTRL_PORT = 4444; // in a namespace of its own: free

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** A /30 veth pair from the host into a phone's namespace, for the test's control connection only. */
class CtrlLink {
  private constructor(
    readonly dev: string,
    readonly host: string,
    readonly phone: string,
  ) {}

  static create(nat: NetnsNat, which: 'a' | 'b', net: number): CtrlLink {
    const base = which === 'a' ? 0 : 4;
    const l = new CtrlLink(`sk${nat.id}c${which}`, `198.19.${net}.${base + 1}`, `198.19.${net}.${base + 2}`);
    ip(['link', 'add', l.dev, 'type', 'veth', 'peer', 'name', 'ctl', 'netns', nat.ns(which)]);
    try {
      ip(['addr', 'add', `${l.host}/30`, 'dev', l.dev]);
      ip(['link', 'set', l.dev, 'up']);
      ip(['-n', nat.ns(which), 'addr', 'add', `${l.phone}/30`, 'dev', 'ctl']);
      ip(['-n', nat.ns(which), 'link', 'set', 'ctl', 'up']);
    } catch (e) {
      l.close();
      throw e;
    }
    return l;
  }

  close(): void {
    spawnSync('ip', ['link', 'del', this.dev]);
  }
}

function audioOf(msg: AnyMessage): { ip: string; port: number } {
  const s = parseSdp(msg.body.toString('latin1'));
  assert.ok(s, 'an SDP body');
  const m = s.media.find((x) => x.type === 'audio')!;
  return { ip: (m.connection ?? s.connection)!.address, port: m.port };
}

const isInvite = (t: TracedMessage) => t.msg.isRequest && (t.msg as SipRequest).method === 'INVITE';
const isInvite200 = (t: TracedMessage) => !t.msg.isRequest && t.msg.status === 200 && t.msg.cseq().method === 'INVITE';

interface CallResult {
  callId: string;
  /** The audio address each phone was told to send to. */
  seen: { alice: { ip: string; port: number }; bob: { ip: string; port: number } };
  /** RTP packets each phone sent and received (its rtp_stats). */
  rtp: { alice: { tx: number; rx: number }; bob: { tx: number; rx: number } };
  /** Where rtpengine saw each side's RTP come from, during the call. */
  sources: string[];
  received: string[];
  sessionsAfter: string[];
}

describe('baresip phones behind a real NAT: audio with mode = "nat", none with "off"', { skip }, () => {
  let nat: NetnsNat;
  let rtp: Rtpengine;
  const links: CtrlLink[] = [];
  const harnesses: SipdHarness[] = [];
  const phones: Baresip[] = [];

  before(async () => {
    nat = NetnsNat.create();
    const net = 16 + Math.floor(Math.random() * 200);
    links.push(CtrlLink.create(nat, 'a', net), CtrlLink.create(nat, 'b', net));
    rtp = await Rtpengine.start({ address: nat.publicHost });
  });
  after(async () => {
    await Promise.all(phones.map((p) => p.stop()));
    for (const h of harnesses) await h.stop();
    await rtp?.stop();
    for (const l of links) l.close();
    nat?.close();
  });

  async function phone(h: SipdHarness, user: 'alice' | 'bob', which: 'a' | 'b'): Promise<Baresip> {
    const p = await Baresip.start({
      user,
      password: `${user}-pw`,
      domain: DOMAIN,
      proxy: { host: nat.publicHost, port: h.udpPort },
      netns: nat.ns(which),
      address: nat.phone(which),
      ctrl: { host: links[which === 'a' ? 0 : 1]!.phone, port: CTRL_PORT },
      rtpPorts: PHONE_RTP,
    });
    phones.push(p);
    return p;
  }

  /** alice (behind NAT a) calls bob (behind NAT b) through a sipd with `mode`, 2 s of audio, hang-up. */
  async function call(mode: 'nat' | 'off'): Promise<CallResult> {
    const h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      listen: [`udp:${nat.publicHost}:0`],
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "${mode}"\n`,
    });
    harnesses.push(h);
    const alice = await phone(h, 'alice', 'a');
    const bob = await phone(h, 'bob', 'b');
    try {
      const dump = await h.rpc<{ aors: Array<{ contacts: Array<{ received: string | null }> }> }>('ul.dump');
      const received = dump.aors.map((a) => a.contacts[0]!.received ?? '');

      await alice.dial(`sip:bob@${DOMAIN}`);
      await Promise.all([alice.waitEvent('CALL_ESTABLISHED'), bob.waitEvent('CALL_ESTABLISHED')]);
      const callId = alice.trace().findLast(isInvite)!.msg.callId();
      const bOffer = bob.trace().find((t) => isInvite(t) && t.msg.callId() === callId)!;
      const aAnswer = alice.trace().find((t) => isInvite200(t) && t.msg.callId() === callId)!;
      assert.ok(bOffer && aAnswer, 'the INVITE reached bob and the 200 alice');
      await sleep(2000);
      const sources = mode === 'off' ? [] : await rtpSources(callId);
      await alice.hangup();
      await Promise.all([alice.waitEvent('CALL_CLOSED'), bob.waitEvent('CALL_CLOSED')]);
      const stats = async (p: Baresip) => {
        const deadline = Date.now() + 3000;
        while (!p.rtpStats() && Date.now() < deadline) await sleep(20);
        assert.ok(p.rtpStats(), `${p.opts.user} printed its RTP statistics`);
        return p.rtpStats()!;
      };
      const deadline = Date.now() + 3000;
      while ((await rtp.calls()).length > 0 && Date.now() < deadline) await sleep(50);
      return {
        callId,
        seen: { bob: audioOf(bOffer.msg), alice: audioOf(aAnswer.msg) },
        rtp: { alice: await stats(alice), bob: await stats(bob) },
        sources,
        received,
        sessionsAfter: await rtp.calls(),
      };
    } finally {
      // Stop the phones while their sipd still answers their un-REGISTER.
      await Promise.all([alice.stop(), bob.stop()]);
    }
  }

  /** The addresses rtpengine learnt each side's RTP from (ng query). */
  async function rtpSources(callId: string): Promise<string[]> {
    const q = await rtp.ng({ command: 'query', 'call-id': callId });
    assert.equal(q.result, 'ok', JSON.stringify(q));
    type Tag = { medias: Array<{ streams: Array<{ endpoint: { address: string }; flags: string[] }> }> };
    return Object.values(q.tags as unknown as Record<string, Tag>).map(
      (t) => t.medias[0]!.streams.find((s) => s.flags.includes('RTP'))!.endpoint.address,
    );
  }

  test('mode = "nat": both phones registered from the router\'s address, SDP names rtpengine, audio both ways', async () => {
    const r = await call('nat');
    for (const rec of r.received) assert.match(rec, new RegExp(`^sip:${nat.routerPublic.replace(/\./g, '\\.')}:\\d+`));
    for (const who of ['alice', 'bob'] as const) {
      assert.equal(r.seen[who].ip, nat.publicHost, `${who} sends to rtpengine's public address, not a private one`);
      assert.ok(r.seen[who].port >= rtp.portMin && r.seen[who].port <= rtp.portMax, `rtpengine's port for ${who}`);
      assert.ok(r.rtp[who].tx >= 50, `${who} sent ${r.rtp[who].tx} RTP packets`);
      assert.ok(r.rtp[who].rx >= 50, `${who} received ${r.rtp[who].rx} RTP packets`);
    }
    assert.deepEqual(r.sources, [nat.routerPublic, nat.routerPublic], 'rtpengine saw both phones behind the NAT');
    assert.deepEqual(r.sessionsAfter, [], 'no session left after the hang-up');
  });

  test('mode = "off": the call connects, the SDP keeps the private addresses, and no audio arrives', async () => {
    const r = await call('off');
    assert.equal(r.seen.bob.ip, nat.phone('a'), "bob is told alice's private address");
    assert.equal(r.seen.alice.ip, nat.phone('b'), "alice is told bob's private address");
    for (const who of ['alice', 'bob'] as const) {
      assert.ok(r.rtp[who].tx >= 50, `${who} sent ${r.rtp[who].tx} RTP packets`);
      assert.equal(r.rtp[who].rx, 0, `${who} received nothing`);
    }
  });
});
