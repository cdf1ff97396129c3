/**
 * The parser bench's cases and its timing loop, over a core module given as a value, so that the
 * same code measures this build's parser and another build's (`--before=DIR`, loaded in a worker
 * of its own: see parser-worker.ts).
 */
import type * as Core from '../../../src/core/index.js';

export type CoreModule = Pick<typeof Core, 'parseMessage' | 'serialize' | 'validateMessage'>;
export type ParserCase = (b: Buffer) => unknown;

/** The reference: a naive split-into-Map parser (split lines, split on ":", lower-case names). */
export function naive(buf: Buffer): Map<string, string[]> {
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
function route(m: Core.AnyMessage): number {
  const via = m.topVia()!;
  let x = via.params.get('branch')!.length + via.host.length + m.cseq().seq + m.callId().length;
  x += m.fromTag()!.length + (m.toTag()?.length ?? 0);
  x += m.maxForwards() ?? 0;
  const routes = m.routes();
  if (routes.length > 0) x += routes[0]!.uri.scheme.length;
  if (m.isRequest) x += m.requestUri().scheme.length;
  return x;
}

/** index, route, validate and relay (see parser.bench.ts) over `core`. */
export function parserCases(core: CoreModule): Record<string, ParserCase> {
  return {
    index: (b) => core.parseMessage(b).headers.length,
    route: (b) => route(core.parseMessage(b)),
    validate: (b) => {
      const m = core.parseMessage(b);
      core.validateMessage(m);
      return m;
    },
    relay: (b) => {
      const m = core.parseMessage(b);
      route(m);
      m.prepend('via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds.1;rport');
      m.set('max-forwards', String((m.maxForwards() ?? 70) - 1));
      m.prepend('record-route', '<sip:192.0.2.1:5060;lr>');
      return core.serialize(m).length;
    },
  };
}

/** µs per call: run for ~`ms` milliseconds after a warm-up. */
export function measure(fn: ParserCase, buf: Buffer, ms: number): number {
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
