/**
 * The browser softphone test's reference run: the same JsSIP page in headless Chromium against
 * Kamailio's websocket module (test/fixtures/browser/kamailio-wss.cfg.tpl, no authentication).
 * It registers over WSS, calls a UDP phone (INVITE with a double Record-Route: UDP then WSS),
 * confirms the call (200 + ACK) and hangs up (BYE answered 200). When the sipd test
 * (sipd-sip/browser-wss.test.ts) fails and this one passes, the page and the browser are fine.
 *
 * Skipped with the reason where Chromium or Kamailio's modules are missing; under CI=true
 * (.ci/run installs both) their absence fails the test instead.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumSkip, HeadlessBrowser, spkiHash } from '../../helpers/browser.js';
import { KamailioWss, kamailioWssMissing } from '../../helpers/kamailio-wss.js';
import { isCi } from '../../helpers/mysql.js';
import { inOrder, Softphone } from '../../helpers/softphone.js';
import { SoftphoneServer } from '../../helpers/softphone-server.js';
import { TestUA, waitUntil } from '../../helpers/test-ua.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { webrtcAnswer, webrtcOffer } from '../../helpers/webrtc-sdp.js';

const DOMAIN = 'sipkit.test';
const skip = chromiumSkip() ?? (isCi() ? undefined : kamailioWssMissing());

describe('browser softphone over WSS against Kamailio (reference)', { skip, timeout: 120_000 }, () => {
  let pki: TestPki;
  let kam: KamailioWss;
  let web: SoftphoneServer;
  let browser: HeadlessBrowser;
  let bob: TestUA;
  let phone: Softphone;

  before(async () => {
    pki = makePki();
    const cert = pki.server('sip.example.com');
    kam = await KamailioWss.start(DOMAIN, cert);
    web = await SoftphoneServer.start();
    browser = await HeadlessBrowser.launch({ trustSpki: [spkiHash(cert.cert)] });
    phone = new Softphone(await browser.open(web.url));
    bob = await TestUA.create({
      user: 'bob',
      domain: DOMAIN,
      proxy: { host: '127.0.0.1', port: kam.udpPort, protocol: 'UDP' },
    });
    assert.equal((await bob.register({ expires: 600, auth: false })).status, 200);
  });
  after(async () => {
    await bob?.close();
    await browser?.close();
    await web?.close();
    await kam?.stop();
    pki?.cleanup();
  });

  test('register over WSS, call a UDP phone, confirm and hang up', async (t) => {
    try {
      const reg = await phone.register({
        wsUri: `wss://127.0.0.1:${kam.wssPort}`,
        user: 'alice',
        domain: DOMAIN,
        password: 'unused',
      });
      assert.equal(reg.status, 200);
      bob.invitePolicy = { kind: 'ring' };
      const mark = await phone.mark();
      await phone.call(`sip:bob@${DOMAIN}`);
      const [invite] = await bob.waitForRequests('INVITE', 1, 15_000);
      const rr = invite!.getAll('record-route');
      assert.equal(rr.length, 2, rr.join(' , '));
      assert.match(rr[0]!, new RegExp(`^<sip:127\\.0\\.0\\.1:${kam.udpPort};r2=on;lr`));
      assert.match(rr[1]!, new RegExp(`^<sip:127\\.0\\.0\\.1:${kam.wssPort};transport=ws;r2=on;lr`));
      bob.answerPending(invite!.callId(), 200, webrtcAnswer(invite!.body.toString()));
      assert.equal((await phone.waitEvent(['confirmed', 'failed'], { after: mark })).name, 'confirmed');
      await bob.waitForRequests('ACK');
      await phone.hangup();
      await bob.waitForRequests('BYE');
      await phone.waitEvent(['ended'], { after: mark });
      // JsSIP reports 'ended' when it sends the BYE, not when the 200 comes back.
      await waitUntil(() => phone.flow().includes('< 200 BYE'), 5000, "bob's 200 for the BYE at the browser");
      assert.deepEqual(phone.flow(), [
        '> REGISTER',
        '< 200 REGISTER',
        '> INVITE',
        '< 100 INVITE',
        '< 180 INVITE',
        '< 200 INVITE',
        '> ACK',
        '> BYE',
        '< 200 BYE',
      ]);
    } catch (e) {
      t.diagnostic(`browser:\n${phone.page.diagnostics()}\nkamailio:\n${kam.logTail}`);
      throw e;
    }
  });

  test('a UDP phone calls the browser: the INVITE reaches it over its WebSocket; ACK, BYE', async (t) => {
    try {
      const before = phone.flow().length;
      const mark = await phone.mark();
      await phone.answerCalls(true);
      bob.sdp = webrtcOffer();
      const call = bob.call('alice');
      const res = await call.final;
      assert.equal(res.status, 200);
      assert.equal(res.getAll('record-route').length, 2);
      await call.ack(res);
      assert.equal((await phone.waitEvent(['confirmed', 'failed'], { after: mark })).name, 'confirmed');
      assert.equal((await call.bye(res)).status, 200);
      assert.equal((await phone.waitEvent(['ended'], { after: mark })).originator, 'remote');
      const flow = phone.flow().slice(before);
      const expected = ['< INVITE', '> 200 INVITE', '< ACK', '< BYE', '> 200 BYE'];
      assert.ok(inOrder(flow, expected), `${expected.join(' | ')} in ${flow.join(' | ')}`);
      assert.equal((await phone.unregister()).status, 200);
    } catch (e) {
      t.diagnostic(`browser:\n${phone.page.diagnostics()}\nkamailio:\n${kam.logTail}`);
      throw e;
    }
  });
});
