/**
 * REGISTER ordering by CSeq (RFC 3261 §10.3 step 7): for the same Call-ID, a CSeq not higher than
 * the binding's fails (400 with a reason) and leaves the binding as it was, equal ones included;
 * a retransmission of the very same REGISTER is absorbed by its server transaction (the same 200
 * again), since that is what a repeated CSeq legitimately is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { digestAuthorization, parseMessage, type SipResponse } from '../../../src/core/index.js';
import { UdpPeer, waitFor } from '../../helpers/net.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TestUA } from '../../helpers/test-ua.js';

interface UlContact {
  address: string;
  expires: number | null;
  call_id: string;
  cseq: number;
}

describe('REGISTER CSeq ordering', () => {
  let h: SipdHarness;
  const uas: TestUA[] = [];
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: '[timers]\ndrain_ms = 500\n',
    });
  });
  after(async () => {
    await Promise.all(uas.map((u) => u.close()));
    await h.stop();
  });

  const lookup = async (aor: string) => (await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [aor])).contacts;

  test('the same Call-ID with an equal or lower CSeq: 400 Out-of-order CSeq, binding unchanged', async () => {
    const alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy() });
    uas.push(alice);
    const C = '<sip:alice@192.0.2.7:5060>';
    // cseq 10 is challenged, 11 carries the credentials and is stored.
    let r = await alice.register({ contacts: [C], expires: 600, callId: 'cseq-1', cseq: 10 });
    assert.equal(r.status, 200);
    const stored = await lookup(`alice@${DOMAIN}`);
    assert.equal(stored[0]!.cseq, 11);
    // 10 challenged, 11 authenticated: equal to the binding's CSeq, a new request all the same.
    r = await alice.register({ contacts: [C], expires: 120, callId: 'cseq-1', cseq: 10 });
    assert.equal(r.status, 400);
    assert.match(r.reason, /out-of-order cseq/i);
    // Lower: 5 challenged, 6 authenticated.
    r = await alice.register({ contacts: [C], expires: 0, callId: 'cseq-1', cseq: 5 });
    assert.equal(r.status, 400, 'a lower CSeq cannot remove the binding either');
    const after = await lookup(`alice@${DOMAIN}`);
    assert.equal(after.length, 1);
    assert.equal(after[0]!.cseq, 11, 'the binding is unchanged');
    assert.ok(after[0]!.expires! > 500, `expiry unchanged (${after[0]!.expires})`);
    // Higher goes through.
    r = await alice.register({ contacts: [C], expires: 120, callId: 'cseq-1', cseq: 12 });
    assert.equal(r.status, 200);
    const later = await lookup(`alice@${DOMAIN}`);
    assert.equal(later[0]!.cseq, 13);
    assert.ok(later[0]!.expires! <= 120);
  });

  test('a retransmitted REGISTER gets the same 200 again from its transaction, not a 400', async () => {
    const peer = await UdpPeer.open();
    try {
      const make = (cseq: number, auth?: string) =>
        [
          `REGISTER sip:${DOMAIN} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKretrans${cseq};rport`,
          'Max-Forwards: 70',
          `From: <sip:bob@${DOMAIN}>;tag=rt`,
          `To: <sip:bob@${DOMAIN}>`,
          'Call-ID: retrans-1',
          `CSeq: ${cseq} REGISTER`,
          `Contact: <sip:bob@127.0.0.1:${peer.port}>`,
          'Expires: 600',
          ...(auth ? [`Authorization: ${auth}`] : []),
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      const next = async (text: string): Promise<SipResponse> => {
        const n = peer.received.length;
        await peer.send(text, h.udpPort);
        await waitFor(() => peer.received.length > n, 3000, 'an answer');
        return parseMessage(peer.received[n]!.data) as SipResponse;
      };
      const challenge = await next(make(1));
      assert.equal(challenge.status, 401);
      const auth = digestAuthorization({
        challenge: challenge.get('www-authenticate')!,
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        username: 'bob',
        password: 'bob-pw',
      });
      const request = make(2, auth);
      const first = await next(request);
      assert.equal(first.status, 200);
      const again = await next(request);
      assert.equal(again.status, 200, 'the retransmission is answered by the transaction');
      assert.equal(again.get('via'), first.get('via'));
    } finally {
      await peer.close();
    }
  });
});
