/**
 * One step of the siptest bench: a fresh `sipp -sn uas` on a random port, one client running the
 * built-in uac scenario against it at a fixed rate for a fixed number of calls, and the client's
 * own statistics screen read back. A step is clean when the client exits 0, every call succeeded
 * and the achieved rate (cumulative "Call Rate") is at least 90% of the target. Every client's
 * CPU time (user + system, its threads and children included) is read by the shell that starts
 * it (`times`), so sipp and siptest are measured alike.
 *
 * The uas gets 4 MiB socket buffers (SIPP_BUFFER_BYTES): with sipp's default 64 KiB it dropped
 * datagrams whenever a client's burst met a moment off the CPU, and the step measured the uas's
 * buffer, not the client (issue 15: "where the UAS is not the bottleneck"). A client gets what
 * its caller passes (the ladder: the same 4 MiB; the CPU steps: its defaults). A step that is not
 * clean says how many datagrams the kernel dropped at the uas's socket and at the client's.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { freeUdpPort } from '../../helpers/procs.js';
import { pidCpuMs } from './procs.js';
import { SIPP_BUFFER_BYTES, udpDrops } from './sipp.js';

export interface Client {
  name: string;
  /** sipp's path, or the siptest.js of a build (run with this node). */
  bin: string;
  node: boolean;
}

export interface Step {
  rate: number;
  clean: boolean;
  reason?: string;
  achieved: number;
  failed: number;
  successful: number;
  code: number | null;
  seconds: number;
  /** The client's CPU ms (user + system) over its whole run. */
  cpuMs: number;
  /** Datagrams the kernel dropped for want of buffer room: at the uas's socket, at the client's. */
  uasDrops: number;
  clientDrops: number;
  /**
   * The uas's CPU over the client's run, in % of one core: near 100, the uas (one thread) is the
   * bottleneck and no client, however many threads it runs, goes faster against it.
   */
  uasCpuPct: number;
}

/**
 * Runs `cmd args` under bash, which prints its children's CPU times (`times`) on stderr after the
 * client exits; the client's own stderr is dropped.
 */
function runChild(
  cmd: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; cpuMs: number }> {
  const script = '"$@" 2>/dev/null; code=$?; times >&2; exit $code';
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script, 'bench', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, cpuMs: childrenCpuMs(stderr) });
    });
  });
}

/** bash `times`: the second line is the children's "user system", as "0m1.234s 0m0.567s". */
export function childrenCpuMs(times: string): number {
  const line = times.trim().split('\n').at(-1) ?? '';
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return parts.length === 2 ? Math.round(parts[0]! + parts[1]!) : NaN;
}

/** Cumulative value of a row of the statistics screen ("  Call Rate | p | c"). */
function cumulative(screen: string, row: string): number {
  const line = screen.split('\n').find((l) => l.trimStart().startsWith(row));
  const cells = line?.split('|') ?? [];
  return parseFloat(cells[2] ?? 'NaN');
}

function clientCommand(client: Client, args: string[]) {
  if (!client.node) return { cmd: client.bin, args };
  return { cmd: process.execPath, args: [client.bin, ...args] };
}

/** `client` → a fresh sipp uas, `rate` calls/s for `seconds` worth of calls. */
export async function step(
  sipp: string,
  client: Client,
  rate: number,
  seconds: number,
  extraArgs: string[] = [],
): Promise<Step> {
  const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
  const uasArgs = [
    '-sn',
    'uas',
    '-i',
    '127.0.0.1',
    '-p',
    String(sp),
    '-nostdin',
    '-buff_size',
    String(SIPP_BUFFER_BYTES),
  ];
  const server = spawn(sipp, uasArgs, { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const calls = Math.round(rate * seconds);
  // A short -recv_timeout turns stuck calls into failed calls instead of a hang.
  const args = [`127.0.0.1:${sp}`, '-sn', 'uac', '-i', '127.0.0.1', '-p', String(cp), '-r', String(rate)];
  args.push('-m', String(calls), '-nostdin', '-recv_timeout', '4000', ...extraArgs);
  const c = clientCommand(client, args);
  const t0 = performance.now();
  const uasCpu0 = server.pid === undefined ? NaN : pidCpuMs(server.pid);
  // Sampled while the client runs: its socket, and the count with it, go when it exits.
  let [uasDrops, clientDrops] = [0, 0];
  const sample = setInterval(() => {
    uasDrops = Math.max(uasDrops, udpDrops(sp));
    clientDrops = Math.max(clientDrops, udpDrops(cp));
  }, 100);
  const r = await runChild(c.cmd, c.args, 30_000 + seconds * 2000, process.env);
  clearInterval(sample);
  uasDrops = Math.max(uasDrops, udpDrops(sp));
  const wall = (performance.now() - t0) / 1000;
  const uasCpuPct = server.pid === undefined ? NaN : (pidCpuMs(server.pid) - uasCpu0) / (wall * 10);
  const cpuMs = r.cpuMs;
  server.kill('SIGTERM');
  await new Promise((res) => server.once('close', res));
  const achieved = cumulative(r.stdout, 'Call Rate');
  const successful = cumulative(r.stdout, 'Successful call');
  const failed = cumulative(r.stdout, 'Failed call');
  const reasons: string[] = [];
  if (r.code !== 0) reasons.push(`exit ${r.code}`);
  if (failed !== 0) reasons.push(`${failed} failed`);
  if (successful !== calls) reasons.push(`${successful}/${calls} succeeded`);
  if (!(achieved >= 0.9 * rate)) reasons.push(`achieved ${achieved.toFixed(0)}/s`);
  if (reasons.length > 0 && uasDrops + clientDrops > 0) {
    reasons.push(`dropped: ${uasDrops} at the uas, ${clientDrops} at the client`);
  }
  const base = {
    rate,
    achieved,
    failed,
    successful,
    code: r.code,
    seconds: wall,
    cpuMs,
    uasDrops,
    clientDrops,
    uasCpuPct,
  };
  return { ...base, clean: reasons.length === 0, reason: reasons.join(', ') || undefined };
}
