/**
 * Two real phones (baresip, Debian 1.0) register to sipd over TLS (RFC 3261 §26.2: an AoR with
 * `;transport=tls` and sipd as outbound proxy over TLS) with a certificate the test made, and call
 * each other: alice dials bob, bob answers by himself, the INVITE/200/ACK and the BYE cross sipd
 * over TLS only (read from each baresip's own SIP trace), the INVITE reaches bob over the
 * connection he registered on (his Contact's port is not where sipd sends), and `sipctl ul show
 * --json` lists both registrations with transport TLS.
 *
 * baresip 1.0 loads `sip_cafile` but does not check the server's certificate against it (a
 * certificate from another CA is accepted too): what is shown here is the TLS path end to end,
 * not certificate verification by the phone; tls.test.ts covers sipd's certificates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipRequest } from '../../../src/core/index.js';
import { Baresip, requireBaresip, type TracedMessage } from '../../helpers/baresip.js';
import { runBin } from '../../helpers/run-cli.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';

const { skip } = requireBaresip();

const isRequest = (t: TracedMessage, method: string) => t.msg.isRequest && (t.msg as SipRequest).method === method;
const isResponse = (t: TracedMessage, method: string, status: number) =>
  !t.msg.isRequest && t.msg.status === status && t.msg.cseq().method === method;

describe('baresip phones over TLS through sipd', { skip }, () => {
  let pki: TestPki;
  let h: SipdHarness;
  const phones: Baresip[] = [];
  let alice: Baresip;
  let bob: Baresip;

  before(async () => {
    pki = makePki();
    const server = pki.server('sip.example.com');
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0'],
      config: `[tls]\ncertificate = "${server.cert}"\nprivate_key = "${server.key}"\n`,
    });
    const phone = (user: string) =>
      Baresip.start({
        user,
        password: `${user}-pw`,
        domain: DOMAIN,
        proxy: { host: '127.0.0.1', port: h.tlsPort },
        transport: 'tls',
        caFile: pki.ca,
      });
    phones.push((alice = await phone('alice')));
    phones.push((bob = await phone('bob')));
  });
  after(async () => {
    // Phones first: they unregister while sipd still answers.
    await Promise.all(phones.map((p) => p.stop()));
    await h?.stop();
    pki?.cleanup();
  });

  test('both register over TLS: sipctl ul show --json says transport tls', async () => {
    const env = { SIPD_SOCKET: h.server.mgmtSocket, HOME: h.dir, XDG_CONFIG_HOME: h.dir, XDG_DATA_HOME: h.dir };
    const r = await runBin('sipctl', ['ul', 'show', '--json'], { env });
    assert.equal(r.status, 0, r.stderr);
    const { aors } = JSON.parse(r.stdout).result as {
      aors: Array<{ aor: string; contacts: Array<{ transport: string; socket: string; user_agent: string }> }>;
    };
    assert.deepEqual(aors.map((a) => a.aor).sort(), [`alice@${DOMAIN}`, `bob@${DOMAIN}`]);
    for (const a of aors) {
      assert.equal(a.contacts.length, 1, a.aor);
      const c = a.contacts[0]!;
      assert.equal(c.transport, 'tls', a.aor);
      assert.equal(c.socket, `tls:127.0.0.1:${h.tlsPort}`, `${a.aor} came in on the TLS listener`);
      assert.match(c.user_agent, /^baresip /);
    }
    // The REGISTERs on the wire, as baresip sent them: TLS to sipd's TLS port, 200 back the same way.
    for (const p of phones) {
      const ok = p.trace().find((t) => isResponse(t, 'REGISTER', 200))!;
      assert.ok(ok, 'a 200 to REGISTER');
      assert.equal(ok.proto, 'TLS');
      assert.equal(ok.src, `127.0.0.1:${h.tlsPort}`);
    }
  });

  test('alice calls bob: INVITE/200/ACK and BYE go through sipd over TLS, both sides see the call up and down', async () => {
    const [aEvents, bEvents] = [alice.events.length, bob.events.length];
    const [aTrace, bTrace] = [alice.trace().length, bob.trace().length];
    await alice.dial(`sip:bob@${DOMAIN}`);
    await bob.waitEvent('CALL_ESTABLISHED', 8000, bEvents);
    await alice.waitEvent('CALL_ESTABLISHED', 8000, aEvents);

    const sipd = `127.0.0.1:${h.tlsPort}`;
    const aSeen = alice.trace().slice(aTrace);
    const bSeen = bob.trace().slice(bTrace);
    // alice: INVITE (answered 407, then with credentials) to sipd over TLS, the 200 from sipd over TLS.
    const invites = aSeen.filter((t) => isRequest(t, 'INVITE'));
    assert.ok(invites.length >= 1);
    for (const t of invites) assert.deepEqual([t.proto, t.dst], ['TLS', sipd]);
    const callId = invites.at(-1)!.msg.callId();
    const ok = aSeen.find((t) => isResponse(t, 'INVITE', 200))!;
    assert.ok(ok, 'alice got the 200');
    assert.deepEqual([ok.proto, ok.src, ok.msg.callId()], ['TLS', sipd, callId]);
    const rr = ok.msg.recordRoutes().map((r) => r.uriText);
    assert.equal(rr.length, 1, 'TLS in, TLS out: one Record-Route');
    assert.match(rr[0]!, new RegExp(`^sip:127\\.0\\.0\\.1:${h.tlsPort};transport=tls;lr`));

    // bob: the INVITE from sipd over TLS, on the connection his REGISTER went out on.
    const inv = bSeen.find((t) => isRequest(t, 'INVITE'))!;
    assert.ok(inv, 'bob got the INVITE');
    assert.deepEqual([inv.proto, inv.src, inv.msg.callId()], ['TLS', sipd, callId]);
    const reg = bob.trace().findLast((t) => isRequest(t, 'REGISTER'))!;
    assert.equal(inv.dst, reg.src, 'the INVITE came back over the registration connection');
    const contact = (reg.msg.get('contact') ?? '').match(/@([^;>]+)/)![1];
    assert.notEqual(inv.dst, contact, 'not a new connection to the Contact address');
    const bOk = bSeen.find((t) => isResponse(t, 'INVITE', 200))!;
    assert.deepEqual([bOk.proto, bOk.dst], ['TLS', sipd]);

    await bob.waitEvent('CALL_RTPESTAB', 8000, bEvents); // the ACK is in by then, and audio flows
    const acks = [
      alice
        .trace()
        .find((t) => isRequest(t, 'ACK') && t.msg.callId() === callId && t.msg.cseq().seq === ok.msg.cseq().seq),
    ];
    acks.push(bob.trace().find((t) => isRequest(t, 'ACK') && t.msg.callId() === callId));
    assert.ok(acks[0] && acks[1], 'the ACK for the 200 left alice and reached bob');
    assert.deepEqual([acks[0]!.proto, acks[0]!.dst], ['TLS', sipd]);
    assert.deepEqual([acks[1]!.proto, acks[1]!.src], ['TLS', sipd]);

    // alice hangs up: BYE over TLS to sipd, on to bob over TLS, 200 back; both calls end.
    await alice.hangup();
    await Promise.all([alice.waitEvent('CALL_CLOSED', 8000, aEvents), bob.waitEvent('CALL_CLOSED', 8000, bEvents)]);
    const bye = bob.trace().find((t) => isRequest(t, 'BYE') && t.msg.callId() === callId)!;
    assert.ok(bye, 'bob got the BYE');
    assert.deepEqual([bye.proto, bye.src], ['TLS', sipd]);
    const byeOk = await waitTrace(alice, (t) => isResponse(t, 'BYE', 200) && t.msg.callId() === callId);
    assert.deepEqual([byeOk.proto, byeOk.src], ['TLS', sipd]);

    const listed = await alice.command('listcalls');
    assert.match(listed.data, /Active calls \(0\)/);
    const stats = await h.stats('core:');
    assert.ok(stats['core.rcv_requests_invite']! >= 1 && stats['core.rcv_requests_bye']! >= 1);
  });
});

/** The 200 to a BYE may be traced a moment after CALL_CLOSED: wait for it (bounded). */
async function waitTrace(p: Baresip, pred: (t: TracedMessage) => boolean, ms = 3000): Promise<TracedMessage> {
  const deadline = Date.now() + ms;
  for (;;) {
    const t = p.trace().find(pred);
    if (t) return t;
    if (Date.now() > deadline) throw new Error(`not in the trace:\n${p.logTail()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
