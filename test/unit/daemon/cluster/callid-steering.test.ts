/**
 * The kernel's Call-ID steering (native/callid_steer.c) against the owner sipd's workers compute
 * in JavaScript (message-owner.ts): a SO_REUSEPORT group of real loopback sockets with the
 * program attached, datagrams from ONE source socket, and for each the socket that received it.
 * A request must land on socket ownerOf(bytes) whatever the spelling of its Call-ID header; a
 * response on the socket of its Call-ID's hash (the worker that relayed the request). Skipped
 * where the kernel refuses the program (no CAP_BPF): sipd then shares one socket.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { NativeUdpSocket } from '../../../../src/core/index.js';
import { ownerOf } from '../../../../src/daemon/cluster/message-owner.js';
import { waitUntil } from '../../../helpers/test-ua.js';
import { steeredUdpGroup, type SteeredGroup } from '../../../helpers/udp-steering.js';

const WORKERS = 3;

/** A request whose owner is its Call-ID's hash (the Call-ID header as given, after `headersBefore`). */
function request(callIdLine: string, headersBefore = ''): Buffer {
  return Buffer.from(
    [
      'INVITE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1',
      headersBefore,
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:bob@example.com>',
      callIdLine,
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ]
      .filter((l, i, all) => l !== '' || i >= all.length - 2)
      .join('\r\n'),
    'latin1',
  );
}

const made = steeredUdpGroup(WORKERS);

describe(
  'Call-ID steering in the kernel (SO_REUSEPORT + eBPF)',
  { skip: typeof made === 'string' ? made : false },
  () => {
    const { fds, port } = made as SteeredGroup;
    const sockets: NativeUdpSocket[] = [];
    /** Payload text → index of the socket that received it. */
    const landed = new Map<string, number>();
    const client = createSocket('udp4');

    before(async () => {
      fds.forEach((fd, i) => {
        const s = NativeUdpSocket.adopt(fd);
        s.on('message', (m) => landed.set(m.toString('latin1'), i));
        sockets.push(s);
      });
      await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    });
    after(() => {
      client.close();
      for (const s of sockets) s.close();
    });

    /** Sends each datagram from the one client socket; the index of the socket each reached. */
    async function deliver(datagrams: Buffer[]): Promise<number[]> {
      for (const d of datagrams) client.send(d, port, '127.0.0.1');
      await waitUntil(() => datagrams.every((d) => landed.has(d.toString('latin1'))), 5000, 'every datagram received');
      return datagrams.map((d) => landed.get(d.toString('latin1'))!);
    }

    test('requests from one source land on the socket of the worker owning their Call-ID, every spelling', async () => {
      const spellings = ['Call-ID: %', 'call-id:%', 'CALL-ID :  %', 'i: %', 'I:%', 'Call-Id:\t%  '];
      const datagrams = Array.from({ length: 120 }, (_, k) =>
        request(spellings[k % spellings.length]!.replace('%', `${k}-${(k * 7919).toString(36)}@host.example`)),
      );
      const got = await deliver(datagrams);
      const want = datagrams.map((d) => ownerOf(d, WORKERS));
      assert.deepEqual(got, want);
      // From one address:port, all three workers got a share (plain SO_REUSEPORT would give one all).
      assert.equal(new Set(got).size, WORKERS);
    });

    test('header lines that only look like the Call-ID are skipped (Call-IDs:, c:, Ca:, a folded line)', async () => {
      const decoys = 'Call-IDs: decoy-1\r\nc: text/plain\r\nCa: decoy-2\r\nSubject: x\r\n i: decoy-3';
      const datagrams = Array.from({ length: 30 }, (_, k) => request(`Call-ID: decoy-test-${k}`, decoys));
      assert.deepEqual(
        await deliver(datagrams),
        datagrams.map((d) => ownerOf(d, WORKERS)),
      );
    });

    test('a Call-ID after 1 KB of Vias is still found', async () => {
      const vias = Array.from(
        { length: 18 },
        (_, i) => `Via: SIP/2.0/UDP 198.51.100.${i}:5060;branch=z9hG4bK-long-${i}`,
      );
      const datagrams = Array.from({ length: 20 }, (_, k) => request(`Call-ID: deep-${k}`, vias.join('\r\n')));
      assert.ok(datagrams[0]!.indexOf('Call-ID') > 1000);
      assert.deepEqual(
        await deliver(datagrams),
        datagrams.map((d) => ownerOf(d, WORKERS)),
      );
    });

    test("responses land on the socket of their Call-ID's owner (the worker that relayed the request)", async () => {
      const datagrams = Array.from({ length: 40 }, (_, k) =>
        Buffer.from(
          [
            'SIP/2.0 180 Ringing',
            `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKw1x${k}`,
            'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1',
            'From: <sip:a@example.com>;tag=1',
            'To: <sip:bob@example.com>;tag=2',
            `Call-ID: response-${k}@example.com`,
            'CSeq: 1 INVITE',
            '',
            '',
          ].join('\r\n'),
          'latin1',
        ),
      );
      const want = datagrams.map((_, k) => ownerOf(request(`Call-ID: response-${k}@example.com`), WORKERS));
      assert.deepEqual(await deliver(datagrams), want);
    });

    test('datagrams without a Call-ID (keep-alives, garbage) are still delivered, to some socket', async () => {
      const datagrams = [Buffer.from('\r\n\r\n'), Buffer.from('garbage without lines'), request('X-Call-ID: none')];
      const got = await deliver(datagrams);
      assert.ok(got.every((i) => i >= 0 && i < WORKERS));
    });
  },
);
