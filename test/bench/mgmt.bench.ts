/**
 * sipd's non-SIP hot spots:
 * - statistics: `Counter.inc()` (what the SIP path calls per message) against a plain object
 *   property increment (the floor) and a Map lookup by "group.name" (the naive registry);
 * - management socket: sequential JSON-RPC round trips (core.uptime) over the Unix socket, and
 *   stats.fetch of every statistic.
 * Rounds alternate between the variants; best and median per variant are printed. Timings on a
 * shared machine drift: read the ratios, not the absolute numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MgmtClient } from '../../src/mgmt/client.js';
import { loadConfig } from '../../src/daemon/config/load.js';
import { SipdServer } from '../../src/daemon/server.js';
import { registerCoreStats, StatsRegistry } from '../../src/daemon/stats.js';

const N = 5_000_000;
const ROUNDS = 5;

function stats(n: number, round: number) {
  const reg = new StatsRegistry();
  registerCoreStats(reg);
  const counter = reg.counter('core', 'rcv_requests_invite');
  const plain = { value: 0 };
  const map = new Map<string, number>(Object.entries(reg.fetch()));
  const variants: Array<[string, () => void]> = [
    [
      'plain property ++',
      () => {
        for (let i = 0; i < n; i++) plain.value++;
      },
    ],
    [
      'Counter.inc()',
      () => {
        for (let i = 0; i < n; i++) counter.inc();
      },
    ],
    [
      'Map get/set by key',
      () => {
        for (let i = 0; i < n; i++) map.set('core.rcv_requests_invite', (map.get('core.rcv_requests_invite') ?? 0) + 1);
      },
    ],
  ];
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  const out: Record<string, number> = {};
  for (const [name, fn] of order) {
    const t0 = process.hrtime.bigint();
    fn();
    out[name] = Number(process.hrtime.bigint() - t0) / n; // ns per op
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function bench(): Promise<void> {
  const per: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, v] of Object.entries(stats(N, r))) (per[k] ??= []).push(v);
  }
  const floor = Math.min(...per['plain property ++']);
  console.log(`statistics, ${N.toLocaleString('en')} increments x ${ROUNDS} rounds (ns/op; ratio to plain ++ best):`);
  for (const [k, v] of Object.entries(per)) {
    const best = Math.min(...v);
    console.log(
      `  ${k.padEnd(20)} best ${best.toFixed(2)}  median ${median(v).toFixed(2)}  x${(best / floor).toFixed(2)}`,
    );
  }

  const dir = mkdtempSync('/tmp/sipd-bench-');
  const config = loadConfig({
    configFile: '/dev/null',
    runDir: join(dir, 'run'),
    dataDir: join(dir, 'data'),
    listen: ['udp:127.0.0.1:0'],
  });
  const server = new SipdServer({ config });
  await server.start();
  const client = await MgmtClient.connect({ socketPath: server.mgmtSocket });
  try {
    const calls = 2000;
    const times: Record<string, number[]> = { 'core.uptime': [], 'stats.fetch all': [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, method] of [
        ['core.uptime', 'core.uptime'],
        ['stats.fetch all', 'stats.fetch'],
      ] as const) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) await client.call(method);
        times[name].push(Number(process.hrtime.bigint() - t0) / calls / 1000); // µs per call
      }
    }
    console.log(`management socket, ${calls} sequential calls x ${ROUNDS} rounds (µs per round trip):`);
    for (const [k, v] of Object.entries(times)) {
      console.log(`  ${k.padEnd(20)} best ${Math.min(...v).toFixed(1)}  median ${median(v).toFixed(1)}`);
    }
  } finally {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
