/**
 * Bounded fuzz on real sockets: random and mutated datagrams and TCP byte streams (torture
 * messages among the seeds) hit a TransportLayer + TransactionLayer whose TU answers every
 * request. Every datagram is accounted for (a message, a parse error or a keep-alive), no
 * exception escapes, hostile TCP peers are cut off, and afterwards normal traffic still works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TransactionLayer, TransportLayer, type SipRequest } from '../../../src/core/index.js';
import { corpus, mutate, prng } from '../../helpers/fuzz.js';
import { TcpPeer, UdpPeer, sleep, waitFor } from '../../helpers/net.js';

const SEED = Number(process.env.FUZZ_SEED ?? 7031);
const DATAGRAMS = 400;
const STREAMS = 40;

describe(`socket fuzz (seed ${SEED})`, () => {
  let transport: TransportLayer;
  let txl: TransactionLayer;
  let events = 0;
  const thrown: unknown[] = [];

  before(async () => {
    transport = await TransportLayer.listen(['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'], {
      limits: { maxMessageSize: 16384, maxHeaderSize: 4096 },
      tcp: { idleTimeout: 5000 },
    });
    txl = new TransactionLayer({
      transport,
      user: {
        onRequest(req: SipRequest, source) {
          events++;
          if (req.method !== 'ACK') txl.createServerTransaction(req, source).reply(req.method === 'INVITE' ? 486 : 200);
        },
        onStrayResponse: () => void events++,
        onParseError: () => void events++,
        onError: (e) => void thrown.push(e),
      },
    });
  });
  after(async () => {
    txl.close();
    await transport.close();
  });

  test(`${DATAGRAMS} fuzzed datagrams: each one accounted for, nothing thrown`, async () => {
    const udp = transport.find('UDP')!;
    const peer = await UdpPeer.open();
    const rnd = prng(SEED);
    const seeds = corpus();
    try {
      const accounted = () => events + udp.stats.keepAlives + txl.stats.requestsMatched + txl.stats.responsesMatched;
      const start = accounted();
      let sent = 0;
      // Batches keep the socket buffer from overflowing, so that every datagram arrives.
      for (let batch = 0; batch < DATAGRAMS / 20; batch++) {
        for (let i = 0; i < 20; i++) {
          let d = mutate(seeds, rnd);
          if (d.length > 60000) d = d.subarray(0, 60000);
          await peer.send(d, udp.localPort);
          sent++;
        }
        await waitFor(() => accounted() - start === sent, 5000, `datagram accounting (${accounted() - start}/${sent})`);
      }
      assert.deepEqual(thrown, []);
      assert.ok(udp.stats.parseErrors > 0);
    } finally {
      await peer.close();
    }
  });

  test(`${STREAMS} fuzzed TCP streams in random chunks: no exception, connections end or are cut off`, async () => {
    const tcp = transport.find('TCP')!;
    const rnd = prng(SEED + 1);
    const seeds = corpus();
    const peers: TcpPeer[] = [];
    for (let k = 0; k < STREAMS; k++) {
      const p = await TcpPeer.connect(tcp.localPort);
      peers.push(p);
      let stream = Buffer.concat(Array.from({ length: 1 + rnd(4) }, () => mutate(seeds, rnd)));
      if (k % 10 === 0) stream = Buffer.concat([stream, Buffer.from(`Content-Length: 1\r\n`.repeat(400))]);
      while (stream.length > 0 && !p.closed) {
        const n = 1 + rnd(1500);
        await p.write(stream.subarray(0, n));
        stream = stream.subarray(n);
      }
    }
    await sleep(50);
    for (const p of peers) p.close();
    await waitFor(() => tcp.connectionCount === 0, 5000, 'every connection to close');
    assert.deepEqual(thrown, []);
    assert.ok(tcp.stats.cutOffs >= 1, 'at least the endless-header peers were cut off');
  });

  test('normal traffic still works over UDP and TCP', async () => {
    const options = (proto: string, port: number, branch: string) =>
      `OPTIONS sip:s@example.com SIP/2.0\r\nVia: SIP/2.0/${proto} 127.0.0.1:${port};rport;branch=${branch}\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=ok\r\nTo: <sip:s@example.com>\r\nCall-ID: after-fuzz-${branch}\r\n` +
      `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const u = await UdpPeer.open();
    const t = await TcpPeer.connect(transport.find('TCP')!.localPort);
    try {
      await u.send(options('UDP', u.port, 'z9hG4bKafter1'), transport.find('UDP')!.localPort);
      await t.write(options('TCP', t.localPort, 'z9hG4bKafter2'));
      await waitFor(() => u.received.length === 1 && t.data.includes('\r\n\r\n'), 3000, 'both 200s');
      assert.match(u.texts()[0]!, /^SIP\/2\.0 200 OK\r\n/);
      assert.match(t.data, /^SIP\/2\.0 200 OK\r\n/);
    } finally {
      await u.close();
      t.close();
    }
  });
});
