/**
 * What the siptest media tests (media-pcap-sipp, media-stream-sipp) share: the media scenario
 * fixtures, a UAC scenario with its media steps filled in, and even port pairs for -mp.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './fixtures.js';
import { freeUdpPort } from './procs.js';

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
