/**
 * pcap play and RTP echo against the real SIPp 3.6.1, measured where the RTP arrives: a UDP
 * socket of the test named in the callee's SDP (packets, payload bytes, the capture's RTP headers
 * unchanged, source and destination ports, pacing), siptest's RTP socket receiving SIPp's echo,
 * and siptest's echo of SIPp's own uac_pcap.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { frame, LINK, pcapFile, rtpPacket, type Record } from '../../helpers/pcap-writer.js';
import { freeUdpPort, requireSipp, runProc, siptest } from '../../helpers/procs.js';
import { mediaPort, sippRtpSink, uacMediaScenario } from '../../helpers/media-scenario.js';
import { RtpSink } from '../../helpers/rtp-sink.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-media-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const common = ['-i', '127.0.0.1', '-nostdin'];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'siptest play_pcap_audio → sipp UAS: every captured packet arrives as captured, ports shifted, paced',
  { skip },
  async () => {
    // 60 packets 20 ms apart, alternating between two captured destination ports (base 7000 and
    // 7002): SIPp sends each to the SDP port + (captured port - base), from [media_port] + the same.
    const records: Record[] = [];
    const captured: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const payload = Buffer.alloc(80 + (i % 5), i);
      const rtp = rtpPacket({
        pt: 8,
        seq: 40000 + i * 3,
        ts: 123456 + i * 160,
        ssrc: 0xdeadbeef,
        marker: i === 0,
        payload,
      });
      captured.push(rtp);
      records.push({
        us: 1e9 + i * 20000,
        frame: frame(LINK.sll, { sport: 9, dport: 7000 + 2 * (i % 2), payload: rtp }),
      });
    }
    writeFileSync(join(dir, 'two-ports.pcap'), pcapFile(LINK.sll, records));
    const scenario = uacMediaScenario(
      dir,
      'uac-pcap2.xml',
      '<nop><action><exec play_pcap_audio="two-ports.pcap"/></action></nop>\n  <pause milliseconds="1600"/>',
    );
    // The second captured port lands on the SDP port + 2: a second sink there.
    const [sink, sink2] = await RtpSink.pair();
    const [cp, mp] = [await freeUdpPort(), await mediaPort()];
    const { port: sp, run: server } = await sippRtpSink(sipp!, sink.port, dir, common);
    const r = await siptest(
      [`127.0.0.1:${sp}`, '-sf', scenario, '-p', String(cp), '-mp', String(mp), '-m', '1', '--json', ...common],
      {
        cwd: dir,
        timeoutMs: 30000,
      },
    );
    const s = await server;
    try {
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1500));
      assert.equal(s.code, 0, s.stdout.slice(-1500));
      // Packets to the first captured port arrive at the sink, from the -mp port, byte for byte.
      const even = captured.filter((_, i) => i % 2 === 0);
      assert.equal(sink.got.length, 30);
      assert.deepEqual(
        sink.got.map((a) => a.data),
        even,
      );
      assert.deepEqual(new Set(sink.got.map((a) => a.port)), new Set([mp]));
      assert.equal(
        sink.bytes(),
        even.reduce((n, b) => n + b.length, 0),
      );
      // The other captured port's packets: to the SDP port + 2, from the -mp port + 2.
      assert.deepEqual(
        sink2.got.map((a) => a.data),
        captured.filter((_, i) => i % 2 === 1),
      );
      assert.deepEqual(new Set(sink2.got.map((a) => a.port)), new Set([mp + 2]));
      // Pacing: 29 gaps of 40 ms between the sink's packets (the capture's), within the load's noise.
      const span = sink.got.at(-1)!.atMs - sink.got[0]!.atMs;
      assert.ok(span > 1100 && span < 1500, `span ${span} ms, expected about 1160`);
      const summary = JSON.parse(r.stdout).result;
      assert.equal(summary.rtp.port, mp);
      assert.equal(summary.rtp.sentPackets, 60);
      assert.equal(
        summary.rtp.sentBytes,
        captured.reduce((n, b) => n + b.length, 0),
      );
    } finally {
      await sink.close();
      await sink2.close();
    }
  },
);

test(
  'siptest -sn uac_pcap → sipp -rtp_echo: its own captures play, and sipp echoes every packet back to -mp',
  { skip },
  async () => {
    const [sp, cp, mp, smp] = [await freeUdpPort(), await freeUdpPort(), await mediaPort(), await mediaPort()];
    const server = runProc(
      sipp!,
      ['-sn', 'uas', '-p', String(sp), '-mp', String(smp), '-rtp_echo', '-m', '1', ...common],
      {
        cwd: dir,
        timeoutMs: 40000,
      },
    );
    await delay(300);
    // dir has no pcap/ directory: siptest plays the captures it ships (share/pcap).
    const r = await siptest(
      [`127.0.0.1:${sp}`, '-sn', 'uac_pcap', '-p', String(cp), '-mp', String(mp), '-m', '1', '--json', ...common],
      {
        cwd: dir,
        timeoutMs: 40000,
      },
    );
    const s = await server;
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1500));
    assert.equal(s.code, 0, s.stdout.slice(-1500));
    const rtp = JSON.parse(r.stdout).result.rtp;
    // 234 A-law packets of 252 bytes (12 + 240) and 10 RFC 4733 packets of 16 bytes.
    assert.deepEqual(rtp, {
      port: mp,
      sentPackets: 244,
      sentBytes: 234 * 252 + 10 * 16,
      receivedPackets: 244,
      receivedBytes: 234 * 252 + 10 * 16,
      echoedPackets: 0,
      echoedBytes: 0,
    });
  },
);

const sippPcaps = '/usr/share/sip-tester';
test(
  'sipp -sn uac_pcap → siptest -rtp_echo: siptest receives and echoes every packet of sipp g711a and dtmf captures',
  { skip: skip ?? (existsSync(join(sippPcaps, 'g711a.pcap')) ? undefined : 'sipp pcaps not installed') },
  async () => {
    mkdirSync(join(dir, 'pcap'), { recursive: true });
    for (const f of ['g711a.pcap', 'dtmf_2833_1.pcap']) copyFileSync(join(sippPcaps, f), join(dir, 'pcap', f));
    const [sp, cp, mp, smp] = [await freeUdpPort(), await freeUdpPort(), await mediaPort(), await mediaPort()];
    const server = siptest(
      ['-sn', 'uas', '-p', String(sp), '-mp', String(mp), '-rtp_echo', '-m', '1', '--json', ...common],
      {
        cwd: dir,
        timeoutMs: 40000,
      },
    );
    await delay(800);
    const c = await runProc(
      sipp!,
      [`127.0.0.1:${sp}`, '-sn', 'uac_pcap', '-p', String(cp), '-mp', String(smp), '-m', '1', ...common],
      {
        cwd: dir,
        timeoutMs: 40000,
      },
    );
    const s = await server;
    rmSync(join(dir, 'pcap'), { recursive: true, force: true });
    assert.equal(c.code, 0, c.stdout.slice(-1500) + c.stderr);
    assert.equal(s.code, 0, s.stderr);
    const rtp = JSON.parse(s.stdout).result.rtp;
    // sipp's g711a.pcap: 236 packets of 252 bytes; dtmf_2833_1.pcap: 10 of 16.
    const bytes = 236 * 252 + 10 * 16;
    assert.deepEqual(rtp, {
      port: mp,
      receivedPackets: 246,
      receivedBytes: bytes,
      echoedPackets: 246,
      echoedBytes: bytes,
      sentPackets: 0,
      sentBytes: 0,
    });
  },
);

test(
  'play_dtmf="1#9,100": the RFC 2833 packets siptest sends are byte for byte those sipp sends, at the same times',
  { skip: skip ?? (process.getuid?.() === 0 ? undefined : 'sipp plays DTMF from a raw socket: needs root') },
  async () => {
    const scenario = uacMediaScenario(
      dir,
      'uac-dtmf.xml',
      '<nop><action><exec play_dtmf="1#9,100"/></action></nop>\n  <pause milliseconds="1600"/>',
    );
    const received: Array<{ data: Buffer[]; times: number[] }> = [];
    for (const caller of ['sipp', 'siptest'] as const) {
      const sink = await RtpSink.open();
      const [cp, mp] = [await freeUdpPort(), await mediaPort()];
      const { port: sp, run: server } = await sippRtpSink(sipp!, sink.port, dir, common);
      const args = [`127.0.0.1:${sp}`, '-sf', scenario, '-p', String(cp), '-mp', String(mp), '-m', '1', ...common];
      const c =
        caller === 'sipp'
          ? await runProc(sipp!, args, { cwd: dir, timeoutMs: 30000 })
          : await siptest(args, { cwd: dir, timeoutMs: 30000 });
      const s = await server;
      await sink.close();
      assert.equal(c.code, 0, `${caller}: ${c.stdout.slice(-1500)}${c.stderr}`);
      assert.equal(s.code, 0, s.stdout.slice(-1500));
      received.push({ data: sink.got.map((a) => a.data), times: sink.got.map((a) => a.atMs - sink.got[0]!.atMs) });
    }
    const [theirs, ours] = received as [(typeof received)[0], (typeof received)[0]];
    // 20 no-op packets, then per digit 5 updates (100 ms) and 3 end packets.
    assert.equal(theirs.data.length, 20 + 3 * 8);
    // sipp leaves the event's R bit uninitialised (prepare_pcap.c never sets it; it arrives set);
    // RFC 4733 §2.3 says a sender sets it to 0, as siptest does. Everything else is equal.
    const clearR = (b: Buffer) => {
      const c = Buffer.from(b);
      if (c.length === 16 && (c[1]! & 0x7f) === 96) c[13]! &= ~0x40;
      return c;
    };
    assert.deepEqual(ours.data, theirs.data.map(clearR));
    // The same schedule: the digits start 400, 600 and 800 ms after the first no-op.
    for (const at of [20, 28, 36]) assert.ok(Math.abs(ours.times[at]! - theirs.times[at]!) < 60, `packet ${at}`);
  },
);
