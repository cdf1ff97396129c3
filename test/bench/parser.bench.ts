/**
 * Parser throughput for a typical INVITE with SDP and a REGISTER with Authorization.
 *
 * - "index": start line + header index + body framing (what every message pays);
 * - "route": index + the headers a proxy routes on (all Vias, From/To tags, Call-ID, CSeq,
 *   Max-Forwards, Route, Request-URI, Contact) — the figure the core issue targets (< 5 µs);
 * - "validate": index + every known header parsed and checked (sipd's sanity step);
 * - "relay": route + the edits a proxy makes (new Via, Max-Forwards − 1, Record-Route) + serialize.
 * Reference measured in the same run, alternating: a naive split-into-Map parser (split lines,
 * split on ":", lower-case names) that does no validation at all.
 *
 *   npm run bench -- parser [--before=DIR]
 *
 * --before: the root of another build (default: SIPKIT_BENCH_BEFORE). Its parser
 * (DIR/dist/src/core/index.js) and this one then run in two workers, alternating case by case in
 * every round (see parser-ab.ts), instead of the comparison with the reference.
 */
import * as core from '../../src/core/index.js';
import { fixture } from '../helpers/fixtures.js';
import { beforeRoot } from './lib/ab.js';
import { parserAb } from './lib/parser-ab.js';
import { measure, naive, parserCases, type ParserCase } from './lib/parser-cases.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
const ROUNDS = 9;

function againstReference(label: string, buf: Buffer): void {
  const cases: Record<string, ParserCase> = { 'naive split (reference)': (b) => naive(b).size, ...parserCases(core) };
  const results: Record<string, number[]> = {};
  // A/B/A/B: every case once per round, so drift hits all cases alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of Object.entries(cases)) (results[name] ??= []).push(measure(fn, buf, 150));
  }
  // Best of the rounds estimates the cost without interference from other load; the median
  // shows the typical cost now. The ratio to the reference is the figure that survives drift.
  const ref = best(results['naive split (reference)']!);
  console.log(`\n${label} (${buf.length} bytes), ${ROUNDS} alternating rounds:`);
  const head = ['case'.padEnd(26), 'best µs'.padStart(8), 'median µs'.padStart(10), 'msg/s (best)'.padStart(13)];
  console.log(`  ${head.join(' ')} ${'× reference'.padStart(12)}`);
  for (const name of Object.keys(cases)) {
    const b = best(results[name]!);
    const med = median(results[name]!);
    const rate = Math.round(1e6 / b).toLocaleString('en-US');
    console.log(
      `  ${name.padEnd(26)} ${b.toFixed(2).padStart(8)} ${med.toFixed(2).padStart(10)} ${rate.padStart(13)} ${(b / ref).toFixed(2).padStart(12)}`,
    );
  }
}

export default async function parserBench(argv: string[]): Promise<void> {
  const messages: Record<string, Buffer> = {
    'INVITE+SDP': fixture('messages', 'invite-sdp.sip'),
    'REGISTER+Authorization': fixture('messages', 'register-auth.sip'),
  };
  const before = beforeRoot(argv, 'dist/src/core/index.js');
  if (before) return parserAb(before, messages, ROUNDS);
  for (const [label, buf] of Object.entries(messages)) againstReference(label, buf);
}
