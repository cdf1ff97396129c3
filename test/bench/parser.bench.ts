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
 */
import { fixture } from '../helpers/fixtures.js';
import { parseMessage, serialize, validateMessage, type AnyMessage } from '../../src/core/index.js';

function naive(buf: Buffer): Map<string, string[]> {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end).split('\r\n');
  const m = new Map<string, string[]>();
  m.set(':start', [lines[0]!]);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.indexOf(':');
    const k = l.slice(0, c).trim().toLowerCase();
    const v = l.slice(c + 1).trim();
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  }
  return m;
}

/** What a stateful proxy reads to route a request: transaction key, dialog check, hop limit, target. */
function route(m: AnyMessage): number {
  const via = m.topVia()!;
  let x = via.params.get('branch')!.length + via.host.length + m.cseq().seq + m.callId().length;
  x += m.fromTag()!.length + (m.toTag()?.length ?? 0);
  x += m.maxForwards() ?? 0;
  const routes = m.routes();
  if (routes.length > 0) x += routes[0]!.uri.scheme.length;
  if (m.isRequest) x += m.requestUri().scheme.length;
  return x;
}

const cases: Record<string, (b: Buffer) => unknown> = {
  'naive split (reference)': (b) => naive(b).size,
  index: (b) => parseMessage(b).headers.length,
  route: (b) => route(parseMessage(b)),
  validate: (b) => {
    const m = parseMessage(b);
    validateMessage(m);
    return m;
  },
  relay: (b) => {
    const m = parseMessage(b);
    route(m);
    m.prepend('via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds.1;rport');
    m.set('max-forwards', String((m.maxForwards() ?? 70) - 1));
    m.prepend('record-route', '<sip:192.0.2.1:5060;lr>');
    return serialize(m).length;
  },
};

/** µs per call: run for ~`ms` milliseconds after a warm-up. */
function measure(fn: (b: Buffer) => unknown, buf: Buffer, ms: number): number {
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += fn(buf) ? 1 : 0;
  let n = 0;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(ms) * 1_000_000n;
  let t = t0;
  while (t < deadline) {
    for (let i = 0; i < 500; i++) sink += fn(buf) ? 1 : 0;
    n += 500;
    t = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink);
  return Number(t - t0) / 1000 / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);

export default async function parserBench(): Promise<void> {
  const messages: Record<string, Buffer> = {
    'INVITE+SDP': fixture('messages', 'invite-sdp.sip'),
    'REGISTER+Authorization': fixture('messages', 'register-auth.sip'),
  };
  const rounds = 9;
  for (const [label, buf] of Object.entries(messages)) {
    const results: Record<string, number[]> = {};
    // A/B/A/B: every case once per round, so drift hits all cases alike.
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(cases)) (results[name] ??= []).push(measure(fn, buf, 150));
    }
    // Best of the rounds estimates the cost without interference from other load; the median
    // shows the typical cost now. The ratio to the reference is the figure that survives drift.
    const ref = best(results['naive split (reference)']!);
    console.log(`\n${label} (${buf.length} bytes), ${rounds} alternating rounds:`);
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
}
