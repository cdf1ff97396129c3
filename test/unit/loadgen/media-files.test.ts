/**
 * The pcap and WAV readers behind play_pcap_* and rtp_stream: every link type and byte order the
 * player accepts, SIPp's skipping of what is not UDP, its no-wait rule for out-of-order stamps,
 * and a clear error naming the file for every broken one, raised when the scenario loads.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseAudio } from '../../../src/loadgen/media/audio-file.js';
import { parsePcap } from '../../../src/loadgen/media/pcap-file.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import { frame, LINK, pcapFile, rtpPacket, wavFile, type Record } from '../../helpers/pcap-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'siptest-media-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const rtp = (seq: number) => rtpPacket({ pt: 8, seq, ts: seq * 160, ssrc: 7, payload: Buffer.alloc(160, seq) });
const records = (link: number, ipv6 = false): Record[] =>
  [0, 1, 2].map((i) => ({
    us: 5e6 + i * 20000,
    frame: frame(link, { sport: 4000, dport: 8000 + 2 * i, payload: rtp(i), ipv6 }),
  }));

for (const [name, link, ipv6] of [
  ['Ethernet IPv4', LINK.ethernet, false],
  ['Ethernet IPv6', LINK.ethernet, true],
  ['Linux cooked', LINK.sll, false],
  ['raw IPv4', LINK.rawIpv4, false],
  ['raw IPv6', LINK.rawIpv6, true],
  ['raw IP (101)', LINK.raw, false],
] as const) {
  test(`pcap ${name}: UDP payloads, destination ports, base port and relative times`, () => {
    const p = parsePcap('x.pcap', pcapFile(link, records(link, ipv6)));
    assert.equal(p.packets.length, 3);
    assert.equal(p.base, 8000);
    assert.deepEqual(
      p.packets.map((k) => [k.dport, k.atUs, k.payload.length, k.payload.readUInt16BE(2)]),
      [
        [8000, 0, 172, 0],
        [8002, 20000, 172, 1],
        [8004, 40000, 172, 2],
      ],
    );
  });
}

test('pcap big-endian with nanosecond stamps reads the same times', () => {
  const p = parsePcap('x.pcap', pcapFile(LINK.ethernet, records(LINK.ethernet), { bigEndian: true, nanos: true }));
  assert.deepEqual(
    p.packets.map((k) => k.atUs),
    [0, 20000, 40000],
  );
});

test('pcap: non-UDP frames are skipped; a stamp earlier than the one before waits nothing (SIPp do_sleep)', () => {
  const recs = records(LINK.ethernet);
  const tcp = frame(LINK.ethernet, { sport: 1, dport: 2, payload: Buffer.alloc(4) });
  tcp[14 + 9] = 6; // IPv4 protocol: TCP
  const arp = Buffer.concat([Buffer.alloc(12), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]);
  recs.splice(1, 0, { us: 5e6 + 5000, frame: tcp }, { us: 5e6 + 6000, frame: arp });
  recs[4]!.us = 5e6 + 10000; // before the previous packet (20 ms)
  const p = parsePcap('x.pcap', pcapFile(LINK.ethernet, recs));
  assert.deepEqual(
    p.packets.map((k) => k.atUs),
    [0, 20000, 20000],
  );
});

test('broken captures are refused with the file named and the reason', () => {
  const good = pcapFile(LINK.ethernet, records(LINK.ethernet));
  const cases: Array<[Buffer, RegExp]> = [
    [good.subarray(0, 10), /'bad\.pcap': truncated file header/],
    [good.subarray(0, 24 + 8), /'bad\.pcap': packet 1: truncated record header/],
    [good.subarray(0, good.length - 5), /'bad\.pcap': packet 3: truncated/],
    [Buffer.concat([Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), good.subarray(4)]), /pcapng is not supported/],
    [Buffer.alloc(40, 1), /not a libpcap capture/],
    [
      pcapFile(LINK.ethernet, [{ us: 0, frame: records(LINK.ethernet)[0]!.frame, origLen: 400 }]),
      /captured truncated.*-s0/,
    ],
    [pcapFile(105, records(LINK.ethernet)), /unsupported link type 105/],
    [pcapFile(LINK.ethernet, []), /no UDP packet/],
  ];
  for (const [bytes, re] of cases) assert.throws(() => parsePcap('bad.pcap', bytes), re);
});

test('WAV: the data chunk of 8 kHz mono G.711, other chunks skipped; raw files as they are', () => {
  const data = Buffer.alloc(1000, 0xd5);
  assert.deepEqual(parseAudio('a.wav', wavFile(data)), data);
  assert.deepEqual(parseAudio('u.wav', wavFile(data, { format: 7 })), data);
  const raw = Buffer.alloc(320, 0x55);
  assert.deepEqual(parseAudio('a.alaw', raw), raw);
  const withList = wavFile(data);
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
  const at = withList.indexOf('data');
  const spliced = Buffer.concat([withList.subarray(0, at), list, withList.subarray(at)]);
  assert.deepEqual(parseAudio('l.wav', spliced), data);
});

test('broken or unsuitable WAV files are refused with the file named', () => {
  const w = wavFile(Buffer.alloc(1000, 1));
  const cases: Array<[Buffer, RegExp]> = [
    [w.subarray(0, w.length - 10), /'bad\.wav': truncated data chunk \(990 of 1000 bytes\)/],
    [w.subarray(0, 30), /'bad\.wav': truncated fmt chunk/],
    [w.subarray(0, 14), /'bad\.wav': no fmt chunk/],
    [wavFile(Buffer.alloc(10), { format: 1 }), /format 1 is not G\.711/],
    [wavFile(Buffer.alloc(10), { rate: 16000 }), /16000 Hz/],
    [wavFile(Buffer.alloc(10), { channels: 2 }), /2 channel/],
    [Buffer.alloc(0), /no audio data/],
  ];
  for (const [bytes, re] of cases) assert.throws(() => parseAudio('bad.wav', bytes), re);
});

const scenario = (action: string) => `<?xml version="1.0"?>
<scenario name="m">
  <send><![CDATA[
    INVITE sip:x@[remote_ip] SIP/2.0
    Content-Length: 0
  ]]></send>
  <nop><action>${action}</action></nop>
</scenario>`;
const load = (action: string) =>
  loadScenario({ text: scenario(action), source: join(dir, 'm.xml'), fileBase: 'm', dir }, newLoadContext());

test('a scenario with a broken media file fails at load, at the action line, naming the file', () => {
  const good = pcapFile(LINK.ethernet, records(LINK.ethernet));
  writeFileSync(join(dir, 'cut.pcap'), good.subarray(0, good.length - 3));
  writeFileSync(join(dir, 'cut.wav'), wavFile(Buffer.alloc(800)).subarray(0, 100));
  assert.throws(
    () => load('<exec play_pcap_audio="cut.pcap"/>'),
    (e: Error & { where?: string }) => /cut\.pcap': packet 3: truncated/.test(e.message) && /m\.xml:7$/.test(e.where!),
  );
  assert.throws(() => load('<exec play_pcap_video="none.pcap"/>'), /Can't open PCAP file 'none\.pcap'/);
  assert.throws(() => load(`<exec rtp_stream="${join(dir, 'cut.wav')},1,8"/>`), /cut\.wav': truncated data chunk/);
  assert.throws(() => load(`<exec rtp_stream="${join(dir, 'cut.wav')},1,3"/>`), /Unknown rtp payload type 3/);
});

test('media actions load: the pcap next to the scenario, rtp_stream loops and payload, pause/resume', () => {
  writeFileSync(join(dir, 'ok.pcap'), pcapFile(LINK.ethernet, records(LINK.ethernet)));
  writeFileSync(join(dir, 'ok.wav'), wavFile(Buffer.alloc(800, 3)));
  const s = load(
    `<exec play_pcap_audio="ok.pcap"/><exec rtp_stream="${join(dir, 'ok.wav')},-1,0"/>` +
      '<exec rtp_stream="pause"/><exec rtp_stream="resume"/><rtp_echo value="0"/>',
  );
  assert.equal(s.hasMedia, true);
  const actions = s.messages[1]!.actions;
  assert.deepEqual(
    actions.map((a) => a.type),
    ['play_pcap', 'rtp_stream', 'rtp_stream_pause', 'rtp_stream_resume', 'rtp_echo'],
  );
  const stream = actions[1] as Extract<(typeof actions)[number], { type: 'rtp_stream' }>;
  assert.deepEqual(
    { ...stream.spec, audio: stream.spec.audio.length },
    {
      file: join(dir, 'ok.wav'),
      audio: 800,
      loops: -1,
      payloadType: 0,
      msPerPacket: 20,
      bytesPerPacket: 160,
      ticksPerPacket: 160,
    },
  );
});
