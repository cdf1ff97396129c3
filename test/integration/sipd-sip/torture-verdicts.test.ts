/**
 * RFC 4475 torture verdicts checked against sipd over real sockets (the parser's verdicts are in
 * test/unit/core/torture.test.ts): badvers.dat gets 505 as the README promises; unksm2.dat (a To
 * of an unknown scheme) is processed like any REGISTER, not refused with 400; a request with more
 * header fields than the parser takes (256) gets 513 with a reason, never silence.
 *
 * The fixtures are sent byte for byte except that `;rport` is added to the top Via, so that the
 * answer comes back to the test's socket instead of port 5060 of the host the Via names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseDigestChallenge, parseMessage, type SipResponse } from '../../../src/core/index.js';
import { fixture } from '../../helpers/fixtures.js';
import { TcpPeer, UdpPeer, waitFor } from '../../helpers/net.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

/** A torture message with `;rport` on its top Via and optional other replacements. */
function torture(name: string, edit: (text: string) => string = (t) => t): string {
  const text = fixture('torture', 'rfc4475', name).toString('latin1');
  return edit(text.replace(/^(Via|v)([ \t]*:[^\r\n]*)/im, '$1$2;rport'));
}

/** An OPTIONS with `n` extra header fields (X-Filler-1…n). */
function manyHeaders(n: number, via: string): string {
  const out = [
    `OPTIONS sip:alice@${DOMAIN} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    '<sip:probe@other.example>;tag=many'.replace(/^/, 'From: '),
    `To: <sip:alice@${DOMAIN}>`,
    `Call-ID: many-${n}-${Math.random()}`,
    'CSeq: 1 OPTIONS',
  ];
  for (let i = 1; i <= n; i++) out.push(`X-Filler-${i}: ${i}`);
  out.push('Content-Length: 0', '', '');
  return out.join('\r\n');
}

describe('RFC 4475 verdicts over the wire', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({ users: [['alice', 'alice-pw']], config: '[timers]\ndrain_ms = 500\n' });
  });
  after(() => h.stop());

  async function overUdp(text: string): Promise<SipResponse | undefined> {
    const peer = await UdpPeer.open();
    try {
      await peer.send(text, h.udpPort);
      await waitFor(() => peer.received.length > 0, 3000, 'an answer').catch(() => {});
      return peer.received[0] && (parseMessage(peer.received[0].data) as SipResponse);
    } finally {
      await peer.close();
    }
  }

  async function overTcp(text: string): Promise<SipResponse | undefined> {
    const peer = await TcpPeer.connect(h.tcpPort);
    try {
      await peer.write(text);
      await waitFor(() => peer.data.includes('\r\n\r\n'), 3000, 'an answer').catch(() => {});
      return peer.data ? (parseMessage(Buffer.from(peer.data, 'latin1')) as SipResponse) : undefined;
    } finally {
      peer.close();
    }
  }

  test('badvers.dat (SIP/7.0 in the start line and Via): 505 Version Not Supported, over UDP and TCP', async () => {
    const udp = await overUdp(torture('badvers.dat'));
    assert.ok(udp, 'answered over UDP');
    assert.equal(udp.status, 505);
    assert.match(udp.reason, /version/i);
    assert.equal(udp.callId(), 'badvers.31417@c.example.com');
    const tcp = await overTcp(torture('badvers.dat', (t) => t.replace('SIP/7.0/UDP', 'SIP/7.0/TCP')));
    assert.ok(tcp, 'answered over TCP');
    assert.equal(tcp.status, 505);
  });

  test('unksm2.dat (To: isbn:…): processed like any REGISTER, never 400', async () => {
    // As sent: example.org's registrar is not sipd (403, as for any REGISTER of a foreign domain).
    const foreign = await overUdp(torture('unksm2.dat'));
    assert.ok(foreign);
    assert.equal(foreign.status, 403);
    assert.match(foreign.reason, /domain/i);
    // For a domain sipd serves: the digest challenge, as for any REGISTER (§10.3 step 3).
    // (Another branch: the same one would be a retransmission of the REGISTER before.)
    const ours = await overUdp(
      torture('unksm2.dat', (t) =>
        t.replace('REGISTER sip:example.com', `REGISTER sip:${DOMAIN}`).replace('z9hG4bKkdjuw', 'z9hG4bKkdjuw2'),
      ),
    );
    assert.ok(ours);
    assert.equal(ours.status, 401);
    assert.equal(parseDigestChallenge(ours.get('www-authenticate')!).realm, DOMAIN);
  });

  test('more than 256 header fields: 513 with a reason, over UDP and TCP; 250 are fine', async () => {
    const udp = await overUdp(manyHeaders(300, 'SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKmany1;rport'));
    assert.ok(udp, 'answered over UDP');
    assert.equal(udp.status, 513);
    assert.match(udp.reason, /header/i);
    const tcp = await overTcp(manyHeaders(300, 'SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKmany2;rport'));
    assert.ok(tcp, 'answered over TCP');
    assert.equal(tcp.status, 513);
    assert.match(tcp.reason, /header/i);
    // Under the limit the request goes its normal way (a local user's OPTIONS: challenged).
    const fine = await overUdp(manyHeaders(240, 'SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKmany3;rport'));
    assert.ok(fine);
    assert.notEqual(fine.status, 513);
  });
});
