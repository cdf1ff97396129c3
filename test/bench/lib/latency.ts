/**
 * INVITE→200 latency from sipp's `-trace_rtt` file: the scenario marks the 200 with rtd="true",
 * so response-time 1 runs from the call's start (its INVITE) to that 200. sipp writes
 * `<scenario>_<pid>_rtt.csv` in its working directory: a header "Date_ms;response_time_ms;rtd_no",
 * then one row per call, in whole milliseconds, dumped every -rtt_freq calls (a last partial batch
 * is not written, so callers make the call count a multiple of it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How often sipp dumps response times (calls); steps that measure latency use multiples of it. */
export const RTT_FREQ = 100;

export interface Latency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The response times (ms) of rtd 1 in an rtt file's text. */
export function parseRttCsv(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    const [, ms, rtd] = line.split(';');
    if (ms === undefined || rtd?.trim() !== '1') continue;
    const n = Number(ms);
    if (Number.isFinite(n)) out.push(n);
  }
  return out;
}

/** The nearest-rank percentile `p` (0–100) of `xs` (unsorted); NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}

export function latencyOf(ms: number[]): Latency | null {
  if (ms.length === 0) return null;
  return { samples: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms) };
}

/** Reads the rtt file sipp `pid` wrote in `dir` (null when there is none). */
export function readRtt(dir: string, pid: number): Latency | null {
  const name = readdirSync(dir).find((f) => f.endsWith(`_${pid}_rtt.csv`));
  if (!name || !existsSync(join(dir, name))) return null;
  return latencyOf(parseRttCsv(readFileSync(join(dir, name), 'latin1')));
}
