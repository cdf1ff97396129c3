/**
 * A browser softphone over WSS (RFC 7118): JsSIP in headless Chromium (test/fixtures/browser,
 * served from loopback) registers alice to sipd over a wss: listener with digest, and calls bob,
 * a phone registered over UDP. What each side sees on the wire is asserted: the browser's
 * messages (its WebSocket frames, from the DevTools protocol) and bob's. sipd keeps the
 * registration of the browser's made-up `xxxx.invalid` Contact and reaches it over the
 * WebSocket connection it registered on (RFC 7118 §5.2, RFC 5626's flow behaviour), puts two
 * Record-Route entries on a call that crosses from WSS to UDP (RFC 3261 §16.6 step 4, Kamailio's
 * enable_double_rr), and relays the ACK and BYE in the dialog both ways. The WebSocket Origin is
 * checked against [websocket] allowed_origins: the page's own origin is let in, another is not.
 *
 * The certificate is made by openssl for this run; Chromium trusts exactly its public key
 * (--ignore-certificate-errors-spki-list). The same page against Kamailio's websocket module:
 * test/integration/browser/kamailio-wss.test.ts. Skipped without Chromium unless CI=true.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { chromiumSkip, HeadlessBrowser, spkiHash } from '../../helpers/browser.js';
import { runBin } from '../../helpers/run-cli.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { inOrder, Softphone } from '../../helpers/softphone.js';
import { SoftphoneServer } from '../../helpers/softphone-server.js';
import { waitUntil, type TestUA } from '../../helpers/test-ua.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { webrtcAnswer, webrtcOffer } from '../../helpers/webrtc-sdp.js';

const skip = chromiumSkip();

interface UlShow {
  aors: Array<{
    aor: string;
    contacts: Array<{ address: string; transport: string; user_agent: string; socket: string | null }>;
  }>;
}

describe('a browser softphone (JsSIP in headless Chromium) over WSS', { skip, timeout: 180_000 }, () => {
  let pki: TestPki;
  let web: SoftphoneServer;
  let h: SipdHarness;
  let browser: HeadlessBrowser;
  let phone: Softphone;
  let bob: TestUA;

  const port = (proto: string) => h.server.addresses.find((a) => a.proto === proto && a.family === 'IPv4')!.port;
  const wsUri = () => `wss://127.0.0.1:${port('wss')}`;
  /** sipd's Record-Route on its UDP side: no transport parameter. */
  const udpRr = () => new RegExp(`^<sip:127\\.0\\.0\\.1:${port('udp')};lr;sig=[^;>]+>$`);
  /**
   * On its WSS side. RFC 7118 §5.2 registers "ws" as the URI transport of WS and WSS alike (Kamailio
   * and Asterisk write it so, and so does sipd; the RFC's example in §8.2 has "wss", erratum 5937).
   */
  const wssRr = () => new RegExp(`^<sip:127\\.0\\.0\\.1:${port('wss')};transport=ws;lr;sig=[^;>]+>$`);
  /** sipctl as a user runs it, on this sipd's management socket. */
  const sipctl = (args: string[]) =>
    runBin('sipctl', [...args, '--json'], {
      env: { SIPD_SOCKET: h.server.mgmtSocket, HOME: h.dir, XDG_CONFIG_HOME: h.dir },
    });
  /** On failure, what the browser logged and sipd's errors: the only clues from inside a page. */
  const explain = async (t: TestContext, body: () => Promise<void>, p = phone) => {
    try {
      await body();
    } catch (e) {
      t.diagnostic(`browser:\n${p.page.diagnostics()}\nflow: ${p.flow().join(' | ')}`);
      t.diagnostic(`sipd errors:\n${h.errors.join('')}`);
      throw e;
    }
  };

  before(async () => {
    pki = makePki();
    const cert = pki.server('sip.example.com');
    web = await SoftphoneServer.start();
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      listen: ['udp:127.0.0.1:0', 'wss:127.0.0.1:0'],
      config: [
        '[timers]\nfr_ms = 2000\nfr_inv_ms = 5000\ndrain_ms = 300',
        `[tls]\ncertificate = "${cert.cert}"\nprivate_key = "${cert.key}"`,
        `[websocket]\nallowed_origins = ["${web.origin}"]`,
      ].join('\n\n'),
    });
    browser = await HeadlessBrowser.launch({ trustSpki: [spkiHash(cert.cert)] });
    phone = new Softphone(await browser.open(web.url));
    bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register({ expires: 600 })).status, 200, 'bob registers over UDP');
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await h?.stop();
    pki?.cleanup();
  });

  test('alice registers over WSS with digest; sipctl ul show lists her .invalid contact on WSS', async (t) => {
    await explain(t, async () => {
      const reg = await phone.register({ wsUri: wsUri(), user: 'alice', domain: DOMAIN, password: 'alice-pw' });
      assert.equal(reg.status, 200);
      assert.deepEqual(phone.flow(), ['> REGISTER', '< 401 REGISTER', '> REGISTER', '< 200 REGISTER']);

      const r = await sipctl(['ul', 'show', `alice@${DOMAIN}`]);
      assert.equal(r.status, 0, r.stderr);
      const ul = JSON.parse(r.stdout).result as UlShow;
      assert.equal(ul.aors.length, 1);
      const [c] = ul.aors[0]!.contacts;
      assert.equal(ul.aors[0]!.contacts.length, 1);
      // JsSIP's Contact: a random user at a random .invalid host, transport "ws" for WS and WSS (RFC 7118 §5.2).
      assert.match(c!.address, /^sip:[a-z0-9]+@[a-z0-9]+\.invalid;transport=ws$/i);
      assert.equal(c!.transport, 'wss', `socket ${c!.socket}`);
      assert.equal(c!.user_agent, 'sipkit-test-softphone');
    });
  });

  test('alice calls bob on UDP: double Record-Route, 200 and ACK; her BYE is answered 200 by bob', async (t) => {
    await explain(t, async () => {
      bob.invitePolicy = { kind: 'ring' };
      const mark = await phone.mark();
      const { callId } = await phone.call(`sip:bob@${DOMAIN}`);
      const [invite] = await bob.waitForRequests('INVITE', 1, 20_000);
      assert.ok(callId.startsWith(invite!.callId()), `JsSIP's session id starts with the Call-ID ${invite!.callId()}`);
      // Nearest bob first: sipd's UDP side, then its WSS side.
      const rr = invite!.getAll('record-route');
      assert.equal(rr.length, 2, rr.join(' , '));
      assert.match(rr[0]!, udpRr());
      assert.match(rr[1]!, wssRr());

      bob.answerPending(invite!.callId(), 200, webrtcAnswer(invite!.body.toString()));
      assert.equal((await phone.waitEvent(['confirmed', 'failed'], { after: mark, ms: 15_000 })).name, 'confirmed');
      const [ack] = await bob.waitForRequests('ACK');
      assert.equal(ack!.callId(), invite!.callId(), 'the ACK for the 200 crossed from WSS to UDP');

      await phone.hangup();
      const [bye] = await bob.waitForRequests('BYE');
      assert.equal(bye!.callId(), invite!.callId());
      assert.equal((await phone.waitEvent(['ended'], { after: mark })).cause, 'Terminated');
      await waitUntil(() => phone.flow().includes('< 200 BYE'), 5000, "bob's 200 for the BYE at the browser");
      // The INVITE is challenged (407), ACKed, sent again with credentials, rings and is answered.
      // (100 Trying is left out: whether sipd sends it before its 407 is a matter of timing, §17.2.1.)
      assert.deepEqual(
        phone
          .flow()
          .slice(4)
          .filter((m) => m !== '< 100 INVITE'),
        [
          '> INVITE',
          '< 407 INVITE',
          '> ACK',
          '> INVITE',
          '< 180 INVITE',
          '< 200 INVITE',
          '> ACK',
          '> BYE',
          '< 200 BYE',
        ],
      );
    });
  });

  test('bob calls alice: the INVITE reaches the browser over its WebSocket; 200, ACK, and BYE from bob', async (t) => {
    await explain(t, async () => {
      const before = phone.flow().length;
      const mark = await phone.mark();
      await phone.answerCalls(true);
      bob.sdp = webrtcOffer();
      const call = bob.call('alice');
      const res = await call.final;
      assert.equal(res.status, 200, 'the browser answered');
      // The 200 carries the INVITE's set: sipd's WSS side (nearest alice) first, then its UDP side.
      const rr = res.getAll('record-route');
      assert.equal(rr.length, 2, rr.join(' , '));
      assert.match(rr[0]!, wssRr());
      assert.match(rr[1]!, udpRr());
      await call.ack(res);
      assert.equal((await phone.waitEvent(['confirmed', 'failed'], { after: mark })).name, 'confirmed');
      assert.equal((await call.bye(res)).status, 200, "the browser's 200 for bob's BYE");
      assert.equal((await phone.waitEvent(['ended'], { after: mark })).originator, 'remote');
      const flow = phone.flow().slice(before);
      // JsSIP may add provisional responses and retransmit its 200 until the ACK comes.
      const expected = ['< INVITE', '> 200 INVITE', '< ACK', '< BYE', '> 200 BYE'];
      assert.ok(inOrder(flow, expected), `${expected.join(' | ')} in ${flow.join(' | ')}`);
      await phone.answerCalls(false);
    });
  });

  test('alice unregisters: 200, and sipctl ul show finds no contact (exit 3)', async (t) => {
    await explain(t, async () => {
      assert.equal((await phone.unregister()).status, 200);
      const r = await sipctl(['ul', 'show', `alice@${DOMAIN}`]);
      assert.equal(r.status, 3, r.stdout);
      assert.equal(JSON.parse(r.stdout).error.code, 'NOT_REGISTERED');
    });
  });

  test('a page from another origin is refused at the WebSocket upgrade', async (t) => {
    // http://localhost:PORT is the same server but not the origin in allowed_origins.
    const other = new Softphone(await browser.open(web.url.replace('127.0.0.1', 'localhost')));
    await explain(
      t,
      async () => {
        try {
          const failures = async () => (await h.stats('net.ws_upgrade_failures'))['net.ws_upgrade_failures']!;
          const before = await failures();
          await assert.rejects(
            other.register({ wsUri: wsUri(), user: 'alice', domain: DOMAIN, password: 'alice-pw' }),
            /disconnected/,
          );
          assert.deepEqual(other.flow(), [], 'not one SIP message went out');
          assert.ok(
            other.page.wsEvents.some((e) => / 403\b/.test(e)),
            `the browser saw 403 at the upgrade: ${other.page.wsEvents.join(' ; ')}`,
          );
          assert.ok((await failures()) > before, 'sipd refused the upgrade (net.ws_upgrade_failures)');
          const r = await sipctl(['ul', 'show', `alice@${DOMAIN}`]);
          assert.equal(r.status, 3, 'no registration from the refused page');
        } finally {
          await other.stop(); // no reconnection attempts while the suite ends
        }
      },
      other,
    );
  });
});
