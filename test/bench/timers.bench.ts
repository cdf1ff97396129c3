/**
 * Timer facility microbenchmark: 20,000 timers armed, moved (the retransmission pattern),
 * cancelled, and fired, with the core's TimerQueue against one Node setTimeout per timer, the
 * reference measured in the same run (alternating rounds). Ratios < 1 mean the queue is cheaper.
 */
import { SystemClock, TimerQueue, type Timer, type TimerTarget } from '../../src/core/index.js';

const N = 20_000;
const ROUNDS = 5;

const noop = () => {};
const target: TimerTarget = { onTimer: noop };

/** µs per timer for arm + move + cancel. */
function armMoveCancelNode(): number {
  const t0 = process.hrtime.bigint();
  const hs: NodeJS.Timeout[] = new Array(N);
  for (let i = 0; i < N; i++) hs[i] = setTimeout(noop, 32_000 + i);
  for (let i = 0; i < N; i++) {
    clearTimeout(hs[i]);
    hs[i] = setTimeout(noop, 16_000 + i);
  }
  for (let i = 0; i < N; i++) clearTimeout(hs[i]);
  return Number(process.hrtime.bigint() - t0) / 1000 / N;
}

function armMoveCancelQueue(q: TimerQueue, ts: Timer[]): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) ts[i]!.start(32_000 + i);
  for (let i = 0; i < N; i++) ts[i]!.start(16_000 + i);
  for (let i = 0; i < N; i++) ts[i]!.stop();
  return Number(process.hrtime.bigint() - t0) / 1000 / N;
}

/** µs per timer to arm N due-now timers and have them all fire. */
async function fireNode(): Promise<number> {
  const t0 = process.hrtime.bigint();
  let left = N;
  await new Promise<void>((resolve) => {
    const cb = () => {
      if (--left === 0) resolve();
    };
    for (let i = 0; i < N; i++) setTimeout(cb, 1);
  });
  return Number(process.hrtime.bigint() - t0) / 1000 / N;
}

async function fireQueue(q: TimerQueue): Promise<number> {
  const t0 = process.hrtime.bigint();
  let left = N;
  await new Promise<void>((resolve) => {
    const t: TimerTarget = {
      onTimer() {
        if (--left === 0) resolve();
      },
    };
    for (let i = 0; i < N; i++) q.timer(t, 0).start(1);
  });
  return Number(process.hrtime.bigint() - t0) / 1000 / N;
}

const best = (xs: number[]) => Math.min(...xs);

export default async function timersBench(): Promise<void> {
  const q = new TimerQueue(new SystemClock({ unref: false }));
  const ts = Array.from({ length: N }, (_, i) => q.timer(target, i));
  const r: Record<string, number[]> = { nodeArm: [], queueArm: [], nodeFire: [], queueFire: [] };
  for (let round = 0; round < ROUNDS; round++) {
    r.nodeArm!.push(armMoveCancelNode());
    r.queueArm!.push(armMoveCancelQueue(q, ts));
    r.nodeFire!.push(await fireNode());
    r.queueFire!.push(await fireQueue(q));
  }
  console.log(`\n${N} timers, best of ${ROUNDS} alternating rounds (µs per timer):`);
  const row = (name: string, ours: number, ref: number) =>
    console.log(
      `  ${name.padEnd(28)} queue ${ours.toFixed(3).padStart(7)}  setTimeout ${ref.toFixed(3).padStart(7)}  ratio ${(ours / ref).toFixed(2)}`,
    );
  row('arm + move + cancel', best(r.queueArm!), best(r.nodeArm!));
  row('arm + fire', best(r.queueFire!), best(r.nodeFire!));
  console.log(`  Node timers held by the queue for ${N} pending timers: 1 (setTimeout: ${N})`);
}
