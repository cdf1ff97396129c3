/**
 * Running SIPp's 3PCC quartet (3pcc-A and 3pcc-B answer, 3pcc-C-B listens on the twin address,
 * 3pcc-C-A starts last and connects) with any mix of sipp and siptest, over UDP or TCP, on
 * 127.0.0.1 with random high ports, and reading either tool's final call counts.
 */
import assert from 'node:assert/strict';
import { waitBound } from './proc-net.js';
import { freeUdpPort, runProc, siptest, type ProcResult } from './procs.js';

export type TwinTool = 'sipp' | 'siptest';
export const QUARTET_CALLS = 5;

export function twinRunner(sipp: string | undefined, dir: string, common: string[]) {
  const run = (tool: TwinTool, args: string[]): Promise<ProcResult> =>
    tool === 'sipp'
      ? runProc(sipp!, [...args, ...common], { cwd: dir, timeoutMs: 60000 })
      : siptest([...args, ...common, '--json'], { cwd: dir, timeoutMs: 60000 });

  /**
   * The quartet; `tools` says which of A, B, C-B and C-A is siptest. Controller B may see its
   * last call aborted when controller A ends first (SIPp: quitting += 20 aborts without counting
   * a failure), so it needs every call created and none failed.
   */
  async function quartet(
    tools: { a: TwinTool; b: TwinTool; cb: TwinTool; ca: TwinTool },
    transport: 'u1' | 't1' = 'u1',
  ): Promise<void> {
    const CALLS = QUARTET_CALLS;
    const sip = transport === 't1' ? 'tcp' : 'udp';
    const [pa, pb, pcb, pca, twin] = await Promise.all([1, 2, 3, 4, 5].map(() => freeUdpPort()));
    const m = ['-m', String(CALLS), '-t', transport];
    const a = run(tools.a, ['-sn', '3pcc-A', '-p', String(pa), ...m]);
    const b = run(tools.b, ['-sn', '3pcc-B', '-p', String(pb), ...m]);
    await waitBound(sip, pa!);
    await waitBound(sip, pb!);
    const cbArgs = [`127.0.0.1:${pb}`, '-sn', '3pcc-C-B', '-3pcc', `127.0.0.1:${twin}`, '-p', String(pcb), ...m];
    const cb = run(tools.cb, cbArgs);
    // /proc, not a probe connection: controller B takes the first connection as its twin.
    await waitBound('tcp', twin!);
    const caArgs = [`127.0.0.1:${pa}`, '-sn', '3pcc-C-A', '-3pcc', `127.0.0.1:${twin}`, '-p', String(pca), '-r', '5'];
    const ca = await run(tools.ca, [...caArgs, ...m]);
    const [ra, rb, rcb] = await Promise.all([a, b, cb]);
    const show = (r: ProcResult) => r.stdout.slice(-3000) + r.stderr.slice(-2000);
    for (const [name, r] of [
      ['C-A', ca],
      ['C-B', rcb],
      ['A', ra],
      ['B', rb],
    ] as const)
      assert.equal(r.code, 0, `${name}: ${show(r)}`);
    assert.deepEqual(counts(tools.ca, ca), { created: CALLS, successful: CALLS, failed: 0 });
    assert.deepEqual(counts(tools.a, ra), { created: CALLS, successful: CALLS, failed: 0 });
    assert.deepEqual(counts(tools.b, rb), { created: CALLS, successful: CALLS, failed: 0 });
    const c = counts(tools.cb, rcb);
    assert.equal(c.created, CALLS, show(rcb));
    assert.equal(c.failed, 0, show(rcb));
    assert.ok(c.successful >= CALLS - 1, show(rcb));
    if (tools.ca === 'siptest') {
      const msgs = JSON.parse(ca.stdout).result.messages;
      assert.deepEqual(msgs[5], { index: 5, sendCmd: '', sent: CALLS });
      assert.deepEqual(msgs[6], { index: 6, recvCmd: '', received: CALLS, timeouts: 0 });
    }
  }
  return { run, quartet, counts };
}

/** Created, successful and failed calls from either tool's final output. */
export function counts(tool: TwinTool, r: ProcResult): { created: number; successful: number; failed: number } {
  if (tool === 'siptest') {
    const c = JSON.parse(r.stdout).result.calls;
    return { created: c.created, successful: c.successful, failed: c.failed };
  }
  const last = (name: string) => {
    const all = [...r.stdout.matchAll(new RegExp(`${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, 'g'))];
    return Number(all[all.length - 1]![1]);
  };
  return { created: last('Total Calls created'), successful: last('Successful call'), failed: last('Failed call') };
}
