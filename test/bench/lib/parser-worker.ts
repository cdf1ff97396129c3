/**
 * A worker measuring one build's parser (parser.bench.ts --before). Each build runs in its own
 * worker, hence its own V8 isolate: the shared case code (parser-cases.ts) then never sees both
 * builds' message classes, whose mixed shapes would slow both through polymorphic inline caches.
 *
 * workerData: { core: URL of that build's dist/src/core/index.js }. Messages in: { name, buf, ms }
 * (a case of parserCases, the message, how long to run); out: the µs per call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measure, parserCases, type CoreModule } from './parser-cases.js';

const core = (await import((workerData as { core: string }).core)) as CoreModule;
const cases = parserCases(core);

parentPort!.on('message', (m: { name: string; buf: Uint8Array; ms: number }) => {
  const buf = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
  parentPort!.postMessage(measure(cases[m.name]!, buf, m.ms));
});
