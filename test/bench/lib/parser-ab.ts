/**
 * The parser bench's A/B mode: another build's parser (DIR/dist/src/core/index.js) against this
 * one, each in its own worker (parser-worker.ts), one measuring while the other waits. In every
 * round each case runs once per build, the order of the builds swapping from round to round, so
 * that drift and position hit both alike. Prints every round, then per case the medians, the
 * spreads and after / before.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { abSummary, loadAverage } from './ab.js';

const CASES = ['index', 'route', 'validate', 'relay'];
const MS_PER_RUN = 150;

class ParserWorker {
  private readonly worker: Worker;
  constructor(coreIndex: string) {
    this.worker = new Worker(new URL('./parser-worker.js', import.meta.url), {
      workerData: { core: pathToFileURL(coreIndex).href },
    });
  }
  measure(name: string, buf: Buffer, ms: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.postMessage({ name, buf, ms });
    }).finally(() => this.worker.removeAllListeners('error')) as Promise<number>;
  }
  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

type Results = Record<string, { before: number[]; after: number[] }>;

async function round(r: number, buf: Buffer, builds: Record<'before' | 'after', ParserWorker>, res: Results) {
  const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
  const cells: string[] = [];
  for (const name of CASES) {
    const pair = (res[name] ??= { before: [], after: [] });
    for (const build of order) pair[build].push(await builds[build].measure(name, buf, MS_PER_RUN));
    cells.push(`${name} ${pair.before.at(-1)!.toFixed(2)}/${pair.after.at(-1)!.toFixed(2)}`);
  }
  console.log(`  round ${r + 1} (${order[0]} first; load ${loadAverage()}): ${cells.join(', ')}`);
}

export async function parserAb(beforeDir: string, messages: Record<string, Buffer>, rounds: number): Promise<void> {
  const here = new URL('../../../src/core/index.js', import.meta.url);
  const builds = {
    before: new ParserWorker(join(beforeDir, 'dist', 'src', 'core', 'index.js')),
    after: new ParserWorker(here.pathname),
  };
  try {
    console.log(`before = ${beforeDir}, after = this build; µs per message, before/after, by round.`);
    for (const [label, buf] of Object.entries(messages)) {
      console.log(`\n${label} (${buf.length} bytes), ${rounds} rounds, ${MS_PER_RUN} ms per case and build:`);
      const res: Results = {};
      for (let r = 0; r < rounds; r++) await round(r, buf, builds, res);
      for (const name of CASES) {
        const lines = abSummary({ label: `${label} ${name}, µs per message`, ...res[name]!, better: 'low', digits: 2 });
        console.log(lines.map((l) => `  ${l}`).join('\n'));
      }
    }
  } finally {
    await builds.before.stop();
    await builds.after.stop();
  }
}
