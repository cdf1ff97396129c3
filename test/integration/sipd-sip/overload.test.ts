/**
 * Overload control on real sockets (issue 14, limits.overload_backlog_ms): while sipd's UDP
 * socket stays behind for longer than the limit, a share of the new requests outside a dialog
 * gets a stateless 503 with the configured Retry-After, while an in-dialog request is still
 * handled; once sipd has caught up, new requests are served again. The backlog is made the way a flood makes it: a
 * burst of requests queued in the kernel's socket buffer while the event loop is blocked (sipd
 * runs in this process), then read 32 a turn.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseMessage, type SipResponse } from '../../../src/core/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { UdpPeer, sleep, waitFor } from '../../helpers/net.js';

let h: SipdHarness;
let peer: UdpPeer;
let seq = 0;

before(async () => {
  h = await SipdHarness.start({
    users: [['bob', 'bob-pw']],
    config: '[limits]\noverload_backlog_ms = 10\noverload_retry_after = 7\n[timers]\ndrain_ms = 200\n',
  });
  peer = await UdpPeer.open();
  // sipd answers a burst as fast as it reads it (64 datagrams per recvmmsg with the batched UDP
  // addon) while this peer reads 32 per turn (dgram): give it room so no answer is dropped here.
  peer.socket.setRecvBufferSize(4 << 20);
});
after(async () => {
  await peer.close();
  await h.stop();
});

function request(method: string, opts: { toTag?: string } = {}): { text: string; callId: string } {
  const n = ++seq;
  const callId = `overload-${n}`;
  const text = [
    `${method} sip:bob@${DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKovl${n};rport`,
    'Max-Forwards: 70',
    `From: <sip:alice@${DOMAIN}>;tag=a${n}`,
    `To: <sip:bob@${DOMAIN}>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:alice@127.0.0.1:${peer.port}>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { text, callId };
}

function finalFor(callId: string): SipResponse | undefined {
  return peer.received
    .map((r) => parseMessage(r.data) as SipResponse)
    .find((m) => !m.isRequest && m.callId() === callId && m.status >= 200);
}

async function answer(callId: string): Promise<SipResponse> {
  await waitFor(() => finalFor(callId) !== undefined, 5000, `a final response to ${callId}`);
  return finalFor(callId)!;
}

test('behind its socket: 503 with Retry-After to new requests, an in-dialog BYE still handled, then served again', async () => {
  // Fewer than sipd's short receive buffer holds (~800 such datagrams): none is dropped by the kernel.
  const burst = Array.from({ length: 600 }, () => request('OPTIONS'));
  const invite = request('INVITE');
  const bye = request('BYE', { toTag: 'dialog-tag' });
  for (const r of [...burst, invite, bye]) await peer.send(r.text, h.udpPort);
  // Block the event loop (sipd's too): whatever is not read yet waits in the kernel.
  const until = performance.now() + 100;
  while (performance.now() < until);

  const b = await answer(bye.callId);
  assert.notEqual(b.status, 503, 'an in-dialog request is not refused');
  const refused = [...burst, invite].map((r) => finalFor(r.callId)).filter((r) => r?.status === 503);
  assert.ok(refused.length > 0, 'some new requests were refused while sipd was behind');
  for (const r of refused) assert.equal(r!.get('retry-after'), '7');
  const stats = await h.stats('core.overload_rejected');
  assert.equal(stats['core.overload_rejected'], refused.length);

  // Caught up: a new request goes through the route again.
  await sleep(200);
  const again = request('INVITE');
  await peer.send(again.text, h.udpPort);
  assert.notEqual((await answer(again.callId)).status, 503);
});
