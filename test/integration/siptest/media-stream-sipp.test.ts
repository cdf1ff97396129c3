/**
 * <exec rtp_stream> from a WAV file, with sipp 3.6.1 as the callee whose SDP names the test's UDP
 * socket: what arrives there (packets, payload bytes, sequence numbers, timestamps, marker, SSRC,
 * payload type, 20 ms pacing, loops, pause/resume) and the media sockets themselves (-mp: audio
 * on the port, video on port + 2, port + 1 left for RTCP; released when the run ends).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitFor } from '../../helpers/net.js';
import { alawTone, wavFile } from '../../helpers/pcap-writer.js';
import { freeUdpPort, requireSipp, siptest } from '../../helpers/procs.js';
import { mediaPort, sippRtpSink, uacMediaScenario } from '../../helpers/media-scenario.js';
import { RtpSink } from '../../helpers/rtp-sink.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-media-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const common = ['-i', '127.0.0.1', '-nostdin'];
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run `scenario` against sipp's RTP-sink UAS; resolves with siptest's JSON result. */
async function callSink(scenario: string, sink: RtpSink, extra: string[] = []) {
  const [cp, mp] = [await freeUdpPort(), await mediaPort()];
  const { port: sp, run: server } = await sippRtpSink(sipp!, sink.port, dir, common);
  const r = await siptest(
    [`127.0.0.1:${sp}`, '-sf', scenario, '-p', String(cp), '-mp', String(mp), '-m', '1', '--json', ...extra, ...common],
    { cwd: dir, timeoutMs: 30000 },
  );
  const s = await server;
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1500));
  assert.equal(s.code, 0, s.stdout.slice(-1500));
  return { mp, result: JSON.parse(r.stdout).result };
}

test(
  'rtp_stream="tone.wav,2,8": 100 packets of 160 bytes, seq +1, timestamp +160, marker first, 20 ms apart',
  { skip },
  async () => {
    const audio = alawTone(8000); // 1 s
    writeFileSync(join(dir, 'tone.wav'), wavFile(audio));
    const scenario = uacMediaScenario(
      dir,
      'uac-stream.xml',
      `<nop><action><exec rtp_stream="${join(dir, 'tone.wav')},2,8"/></action></nop>\n  <pause milliseconds="2600"/>`,
    );
    const sink = await RtpSink.open();
    try {
      const { mp, result } = await callSink(scenario, sink);
      const h = sink.headers();
      assert.equal(h.length, 100);
      assert.equal(sink.bytes(), 100 * 172);
      assert.deepEqual(new Set(h.map((p) => p.len)), new Set([172]));
      assert.deepEqual(new Set(h.map((p) => p.pt)), new Set([8]));
      assert.equal(new Set(h.map((p) => p.ssrc)).size, 1);
      assert.deepEqual(
        h.map((p) => p.marker),
        h.map((_, i) => i === 0),
      );
      for (let i = 1; i < h.length; i++) {
        assert.equal(h[i]!.seq, (h[i - 1]!.seq + 1) & 0xffff, `seq at ${i}`);
        assert.equal(h[i]!.ts, (h[i - 1]!.ts + 160) >>> 0, `timestamp at ${i}`);
      }
      // The WAV's data, twice, without its header.
      assert.deepEqual(Buffer.concat(sink.got.map((a) => a.data.subarray(12))), Buffer.concat([audio, audio]));
      assert.deepEqual(new Set(sink.got.map((a) => a.port)), new Set([mp]));
      // Pacing: 99 gaps of 20 ms.
      const span = sink.got.at(-1)!.atMs - sink.got[0]!.atMs;
      assert.ok(span > 1800 && span < 2250, `span ${span} ms, expected about 1980`);
      assert.equal(result.rtp.sentPackets, 100);
      assert.equal(result.rtp.sentBytes, 100 * 172);
    } finally {
      await sink.close();
    }
  },
);

test(
  'rtp_stream loops -1 until the call ends; pause stops packets (seq holds, timestamp runs on), resume goes on',
  { skip },
  async () => {
    writeFileSync(join(dir, 'short.alaw'), alawTone(800)); // 100 ms, raw A-law
    const scenario = uacMediaScenario(
      dir,
      'uac-stream-pause.xml',
      [
        `<nop><action><exec rtp_stream="${join(dir, 'short.alaw')},-1"/></action></nop>`,
        '<pause milliseconds="600"/>',
        '<nop><action><exec rtp_stream="pause"/></action></nop>',
        '<pause milliseconds="500"/>',
        '<nop><action><exec rtp_stream="resume"/></action></nop>',
        '<pause milliseconds="600"/>',
      ].join('\n  '),
    );
    const sink = await RtpSink.open();
    try {
      await callSink(scenario, sink, ['-rtp_payload', '8']);
      const h = sink.headers();
      // About 30 packets before the pause and 30 after: the 100 ms file looped many times.
      assert.ok(h.length >= 45 && h.length <= 66, `${h.length} packets`);
      const gaps = sink.got.slice(1).map((a, i) => a.atMs - sink.got[i]!.atMs);
      const pauseAt = gaps.indexOf(Math.max(...gaps));
      assert.ok(gaps[pauseAt]! > 400, `longest gap ${gaps[pauseAt]} ms`);
      for (let i = 1; i < h.length; i++) assert.equal(h[i]!.seq, (h[i - 1]!.seq + 1) & 0xffff, `seq at ${i}`);
      // Across the pause the timestamp jumps by the time paused (about 500 ms = 4000 ticks).
      const jump = (h[pauseAt + 1]!.ts - h[pauseAt]!.ts) >>> 0;
      assert.ok(jump >= 3200 && jump <= 5600 && jump % 160 === 0, `timestamp jump ${jump}`);
      assert.deepEqual(new Set(h.map((p) => p.pt)), new Set([8]));
    } finally {
      await sink.close();
    }
  },
);

/** Whether a UDP port on 127.0.0.1 can be bound right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

test('-mp P -rtp_echo: audio echo on P, video echo on P + 2, P + 1 free for RTCP; all released at exit', async () => {
  const [sp, mp] = [await freeUdpPort(), await mediaPort()];
  const run = siptest(
    ['-sn', 'uas', '-p', String(sp), '-mp', String(mp), '-rtp_echo', '-m', '1', '-timeout', '3', '--json', ...common],
    {
      cwd: dir,
      timeoutMs: 20000,
    },
  );
  const probe = await RtpSink.open();
  try {
    // siptest binds its media ports at start (sooner or later, with the machine's load).
    for (let i = 0; i < 100 && (await bindable(mp)); i++) await delay(100);
    assert.deepEqual(await Promise.all([bindable(mp), bindable(mp + 1), bindable(mp + 2)]), [false, true, false]);
    for (const [port, n] of [
      [mp, 3],
      [mp + 2, 2],
    ] as const)
      for (let i = 0; i < n; i++) probe.socket.send(Buffer.alloc(100 + port - mp, i), port, '127.0.0.1');
    await waitFor(() => probe.got.length >= 5, 3000, 'five echoes');
    assert.deepEqual(
      probe.got.map((a) => [a.port, a.data.length]),
      [
        [mp, 100],
        [mp, 100],
        [mp, 100],
        [mp + 2, 102],
        [mp + 2, 102],
      ],
    );
    const r = await run;
    assert.equal(JSON.parse(r.stdout).result.rtp.echoedPackets, 5);
    assert.deepEqual(await Promise.all([bindable(mp), bindable(mp + 2)]), [true, true]);
  } finally {
    await probe.close();
    await run;
  }
});

test('without -mp the first free even pair from 6000 (or -min_rtp_port) is bound; -mp is the only port tried', async () => {
  const start = await mediaPort();
  const busy = createSocket('udp4');
  await new Promise<void>((r) => busy.bind({ port: start + 2, address: '127.0.0.1', exclusive: true }, () => r()));
  const [sp] = [await freeUdpPort()];
  try {
    const r = await siptest(
      [
        '-sn',
        'uas',
        '-p',
        String(sp),
        '-min_rtp_port',
        String(start),
        '-rtp_echo',
        '-m',
        '1',
        '-timeout',
        '1',
        '--json',
        ...common,
      ],
      { cwd: dir, timeoutMs: 20000 },
    );
    // start is free but start + 2 (its video port) is not: the pair moves on to start + 2, whose
    // audio is busy, then to start + 4.
    assert.equal(JSON.parse(r.stdout).result.rtp.port, start + 4, r.stderr);
    // -mp is the one port tried (SIPp 3.6.1): its video port busy, the run stops before any call.
    const fixed = await siptest(
      ['-sn', 'uas', '-p', String(sp), '-mp', String(start), '-rtp_echo', '-m', '1', ...common],
      {
        cwd: dir,
        timeoutMs: 20000,
      },
    );
    assert.equal(fixed.code, 254, fixed.stderr);
    assert.match(
      fixed.stderr,
      new RegExp(`Unable to bind audio/video RTP sockets \\(IP=127\\.0\\.0\\.1, port=${start}\\)`),
    );
  } finally {
    busy.close();
  }
});
