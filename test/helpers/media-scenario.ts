/**
 * What the siptest media tests (media-pcap-sipp, media-stream-sipp) share: the media scenario
 * fixtures, a UAC scenario with its media steps filled in, even port pairs for -mp, and sipp as
 * the callee whose SDP sends the caller's RTP to the test's sink.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fixturesDir } from './fixtures.js';
import { freeUdpPort, runProc, type ProcResult } from './procs.js';

/** A scenario of test/fixtures/scenarios/media. */
export const mediaScenario = (name: string) => join(fixturesDir, 'scenarios', 'media', name);

/** uac-media.xml written as dir/name with `steps` in place of its MEDIA line; returns the path. */
export function uacMediaScenario(dir: string, name: string, steps: string): string {
  const path = join(dir, name);
  const text = readFileSync(mediaScenario('uac-media.xml'), 'latin1').replace(/^ *MEDIA$/m, steps);
  writeFileSync(path, text, 'latin1');
  return path;
}

/** An even port for -mp whose port and port + 2 were free a moment ago (bounded: 100 tries). */
export async function mediaPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const p = (await freeUdpPort()) & ~1;
    if (p > 1024 && p + 2 < 65535) return p;
  }
  throw new Error('no even UDP port above 1024 found in 100 tries');
}

/**
 * sipp (the binary at `sipp`) answering one call with uas-rtp-sink.xml, whose SDP names
 * 127.0.0.1:`sinkPort` (the test's RtpSink): the caller's RTP goes there. Started on a free SIP
 * port with `args` added, then given 300 ms to bind it; `run` resolves when sipp exits (30 s at
 * the most).
 */
export async function sippRtpSink(
  sipp: string,
  sinkPort: number,
  cwd: string,
  args: readonly string[] = [],
): Promise<{ port: number; run: Promise<ProcResult> }> {
  const port = await freeUdpPort();
  const run = runProc(
    sipp,
    [
      '-sf',
      mediaScenario('uas-rtp-sink.xml'),
      '-p',
      String(port),
      '-m',
      '1',
      '-key',
      'rtp_sink',
      String(sinkPort),
      ...args,
    ],
    { cwd, timeoutMs: 30000 },
  );
  await delay(300);
  return { port, run };
}
