/**
 * Overload control on real sockets (issue 14, limits.overload_backlog_ms): while sipd's UDP
 * socket stays behind for longer than the limit, a share of the new requests outside a dialog
 * gets a stateless 503 with the configured Retry-After, while an in-dialog request is still
 * handled; once sipd has caught up, new requests are served again. The backlog is made the way a flood makes it:
 * requests queued in the kernel's socket buffer faster than sipd (in this process) reads them, so
 * that they wait longer than the limit and the kernel drops what does not fit. (That a queue
 * draining slowly after a pause is not overload by itself is shown on the transport,
 * udp-backlog.test.ts, and on the guard, unit/daemon/routing/overload.test.ts.)
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

/** Final responses received so far, by Call-ID (each datagram parsed once). */
const finals = new Map<string, SipResponse>();
let parsed = 0;
function finalFor(callId: string): SipResponse | undefined {
  for (; parsed < peer.received.length; parsed++) {
    const m = parseMessage(peer.received[parsed]!.data) as SipResponse;
    if (!m.isRequest && m.status >= 200 && !finals.has(m.callId())) finals.set(m.callId(), m);
  }
  return finals.get(callId);
}

async function answer(callId: string): Promise<SipResponse> {
  await waitFor(() => finalFor(callId) !== undefined, 5000, `a final response to ${callId}`);
  return finalFor(callId)!;
}

/** Sends now, without waiting for each send (they all leave before the event loop reads again). */
function flood(texts: readonly string[]): void {
  for (const t of texts) peer.socket.send(Buffer.from(t, 'latin1'), h.udpPort, '127.0.0.1');
}

test('behind its socket and overflowing: 503 with Retry-After to new requests, an in-dialog BYE still handled, then served again', async () => {
  // More than the receive buffer holds, turn after turn for 300 ms: the kernel drops what does
  // not fit (as under a flood), and the datagrams that arrive after the drops carry their count.
  const sent: Array<{ text: string; callId: string }> = [];
  const end = performance.now() + 300;
  while (performance.now() < end && sent.length < 3000) {
    const chunk = Array.from({ length: 150 }, () => request('OPTIONS'));
    sent.push(...chunk);
    flood(chunk.map((r) => r.text));
    await new Promise((r) => setImmediate(r));
  }
  // Still behind (the buffer is full): an in-dialog request must get through, a new INVITE may not.
  // The kernel may drop them too: they are resent every 20 ms, as a phone retransmits (the same
  // transaction each time), until answered.
  const invite = request('INVITE');
  const bye = request('BYE', { toTag: 'dialog-tag' });
  for (let i = 0; i < 100 && finalFor(bye.callId) === undefined; i++) {
    flood([invite.text, bye.text]);
    await sleep(20);
  }
  const b = await answer(bye.callId);
  assert.notEqual(b.status, 503, 'an in-dialog request is not refused');
  await sleep(300);
  const refused = [...sent, invite].map((r) => finalFor(r.callId)).filter((r) => r?.status === 503);
  assert.ok(refused.length > 0, `some new requests were refused while sipd was behind (${sent.length} sent)`);
  for (const r of refused) assert.equal(r!.get('retry-after'), '7');
  const stats = await h.stats('core.overload_rejected');
  assert.ok(stats['core.overload_rejected']! >= refused.length, 'every 503 seen is counted');

  // Caught up: a new request goes through the route again.
  await sleep(200);
  const again = request('INVITE');
  await peer.send(again.text, h.udpPort);
  assert.notEqual((await answer(again.callId)).status, 503);
});
