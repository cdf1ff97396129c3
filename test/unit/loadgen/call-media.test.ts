/**
 * One call's media over real loopback sockets: the peer's address from its SDP (SIPp's
 * find_in_sdp), pcap packets sent from the port the call's SDP announced (a socket of the call's
 * own when it is not the run's), a new play replacing the one in progress, and the call's sockets
 * released when it ends.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { CallMedia } from '../../../src/loadgen/media/call-media.js';
import { MediaSockets } from '../../../src/loadgen/media/media-sockets.js';
import { parsePcap } from '../../../src/loadgen/media/pcap-file.js';
import { lineMediaKind, remoteMedia } from '../../../src/loadgen/media/sdp.js';
import { frame, LINK, pcapFile, rtpPacket } from '../../helpers/pcap-writer.js';
import { freeUdpPort } from '../../helpers/procs.js';
import { RtpSink } from '../../helpers/rtp-sink.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

const capture = (n: number, gapMs: number) =>
  parsePcap(
    'c.pcap',
    pcapFile(
      LINK.ethernet,
      Array.from({ length: n }, (_, i) => ({
        us: i * gapMs * 1000,
        frame: frame(LINK.ethernet, {
          sport: 1,
          dport: 5000,
          payload: rtpPacket({ pt: 0, seq: i, ts: i * 160, ssrc: 1, payload: Buffer.alloc(20, i) }),
        }),
      })),
    ),
  );

test('SDP: the first c=IN IP4 host and m= ports, as SIPp finds them; the media kind of a line', () => {
  const sdp = 'v=0\r\nc=IN IP4 10.1.2.3\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n';
  assert.deepEqual(remoteMedia(sdp, false), { host: '10.1.2.3', audio: 4000, video: 4002, image: 0 });
  assert.equal(remoteMedia(sdp, true), undefined);
  assert.equal(remoteMedia('c=IN IP6 ::1\r\nm=image 9 udptl t38\r\n', true)?.image, 9);
  assert.equal(lineMediaKind('v=0\r\nm=audio '), 'audio');
  assert.equal(lineMediaKind('m=audio 1\r\nm=video '), 'video');
  assert.equal(lineMediaKind('a=rtcp:'), undefined);
});

test('a pcap play leaves from the announced port, on a socket of the call closed when it ends', async () => {
  const rtp = await MediaSockets.open({
    ip: '127.0.0.1',
    port: ((await freeUdpPort()) & ~1) - 64,
    fixed: false,
    maxPort: 65535,
    echo: false,
    echoBufSize: 2048,
    bufferSize: 65535,
  });
  const sink = await RtpSink.open();
  const warnings: string[] = [];
  const media = new CallMedia(rtp, (t) => warnings.push(t));
  try {
    media.playPcap('audio', capture(2, 5));
    assert.match(warnings[0]!, /no m=audio port and c= address in the peer's SDP yet/);
    media.updateRemote(`SIP/2.0 200 OK\r\n\r\nv=0\r\nc=IN IP4 127.0.0.1\r\nm=audio ${sink.port} RTP/AVP 0\r\n`);
    const own = await freeUdpPort();
    media.from.audio = own;
    // A long play, replaced at once by a short one: the first one's first packet (due at once)
    // and the second one's five.
    media.playPcap('audio', capture(50, 100));
    media.playPcap('audio', capture(5, 10));
    await sleep(250);
    assert.deepEqual(
      sink.got.map((a) => [a.port, a.data.readUInt16BE(2)]),
      [0, 0, 1, 2, 3, 4].map((i) => [own, i]),
    );
    assert.equal(await bindable(own), false);
    media.close();
    await sleep(50);
    assert.equal(await bindable(own), true);
    // From the run's own audio port, no socket of the call's is bound.
    media.from.audio = rtp.port;
    const again = new CallMedia(rtp, (t) => warnings.push(t));
    again.remote = media.remote;
    again.from.audio = rtp.port;
    again.playPcap('audio', capture(1, 1));
    await sleep(100);
    assert.equal(sink.got.at(-1)!.port, rtp.port);
    again.close();
    assert.equal(rtp.counters.sentPackets, 7);
  } finally {
    media.close();
    rtp.close();
    await sink.close();
  }
});

test("closing the run's RTP sockets stops the streams of calls still open (stop_now, Q)", async () => {
  const rtp = await MediaSockets.open({
    ip: '127.0.0.1',
    port: ((await freeUdpPort()) & ~1) - 64,
    fixed: false,
    maxPort: 65535,
    echo: false,
    echoBufSize: 2048,
    bufferSize: 65535,
  });
  const sink = await RtpSink.open();
  const media = new CallMedia(rtp, () => {});
  media.updateRemote(`v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio ${sink.port} RTP/AVP 8\r\n`);
  media.playStream({
    file: 'x',
    audio: Buffer.alloc(800, 1),
    loops: -1,
    payloadType: 8,
    msPerPacket: 20,
    bytesPerPacket: 160,
    ticksPerPacket: 160,
  });
  try {
    await sleep(150);
    rtp.close();
    await sleep(30); // what was in flight arrives
    const n = sink.got.length;
    assert.ok(n >= 1, `${n} packets before the close`);
    // Without the stop, the next tick would send on a closed socket (ERR_SOCKET_DGRAM_NOT_RUNNING).
    await sleep(150);
    assert.equal(sink.got.length, n);
  } finally {
    await sink.close();
  }
});
