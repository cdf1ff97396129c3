/**
 * `sipctl monitor`: samples of sipd's important counters every interval (kamctl monitor: version,
 * uptime, transactions, replies, usrloc, received/forwarded requests and replies), with the rate
 * of each counter since the previous sample. The command renders them as a refreshing screen on
 * a terminal, or one line / one JSON object per sample otherwise.
 */
import type { MgmtClient } from '../mgmt/client.js';
import type { UptimeResult } from '../mgmt/results.js';

/** The statistics shown, in display order, with a label. Gauges have no rate. */
export const MONITORED: ReadonlyArray<{ key: string; label: string; gauge?: boolean }> = [
  { key: 'core.rcv_requests', label: 'requests received' },
  { key: 'core.fwd_requests', label: 'requests forwarded' },
  { key: 'core.rcv_replies', label: 'replies received' },
  { key: 'core.fwd_replies', label: 'replies forwarded' },
  { key: 'core.drop_requests', label: 'requests dropped' },
  { key: 'core.err_requests', label: 'malformed requests' },
  { key: 'tm.current', label: 'transactions now', gauge: true },
  { key: 'tm.uas_transactions', label: 'server transactions' },
  { key: 'tm.uac_transactions', label: 'client transactions' },
  { key: 'tm.timeouts', label: 'transaction timeouts' },
  { key: 'usrloc.registered_users', label: 'registered users', gauge: true },
  { key: 'usrloc.registered_contacts', label: 'registered contacts', gauge: true },
  { key: 'registrar.accepted_regs', label: 'REGISTERs accepted' },
  { key: 'registrar.rejected_regs', label: 'REGISTERs rejected' },
  { key: 'auth.challenges', label: 'auth challenges' },
  { key: 'auth.failures', label: 'auth failures' },
  { key: 'security.banned', label: 'sources banned now', gauge: true },
  { key: 'security.rate_limited', label: 'rate-limited requests' },
];

export interface MonitorSample {
  /** ISO time of the sample. */
  time: string;
  /** sipd's uptime in seconds. */
  uptime: number;
  /** The monitored statistics (those this sipd has). */
  stats: Record<string, number>;
  /** Per second since the previous sample, for counters; empty on the first sample. */
  rates: Record<string, number>;
}

/** One sample over an open connection; `prev` gives the rates. */
export async function takeSample(client: MgmtClient, prev?: { sample: MonitorSample; at: number }) {
  const [up, all] = await Promise.all([
    client.call<UptimeResult>('core.uptime'),
    client.call<Record<string, number>>('stats.fetch', ['all']),
  ]);
  const at = performance.now();
  const stats: Record<string, number> = {};
  for (const m of MONITORED) if (typeof all[m.key] === 'number') stats[m.key] = all[m.key];
  const rates: Record<string, number> = {};
  if (prev) {
    const secs = (at - prev.at) / 1000;
    for (const m of MONITORED) {
      const before = prev.sample.stats[m.key];
      if (m.gauge || stats[m.key] === undefined || before === undefined || secs <= 0) continue;
      rates[m.key] = Math.round(((stats[m.key] - before) / secs) * 10) / 10;
    }
  }
  const sample: MonitorSample = { time: new Date(up.now_ms).toISOString(), uptime: up.uptime, stats, rates };
  return { sample, at };
}

export interface MonitorOptions {
  intervalMs: number;
  /** Stop after this many samples (undefined: until stopped). */
  count?: number;
  /** Aborting ends the loop after the current sample. */
  signal?: AbortSignal;
}

/** Samples every interval until `count` or the signal; errors (sipd gone) end the loop by throwing. */
export async function* samples(client: MgmtClient, opts: MonitorOptions): AsyncGenerator<MonitorSample> {
  let prev: { sample: MonitorSample; at: number } | undefined;
  for (let n = 0; opts.count === undefined || n < opts.count; n++) {
    if (opts.signal?.aborted) return;
    prev = await takeSample(client, prev);
    yield prev.sample;
    if (opts.count !== undefined && n + 1 >= opts.count) return;
    await sleep(opts.intervalMs, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `12d 3h 4m 5s` */
export function formatDuration(secs: number): string {
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = Math.floor(secs % 60);
  const parts = d ? [`${d}d`, `${h}h`, `${m}m`] : h ? [`${h}h`, `${m}m`] : m ? [`${m}m`] : [];
  return [...parts, `${s}s`].join(' ');
}

/** One line per sample for pipes: `TIME uptime=N key=value(+rate/s) ...`. */
export function sampleLine(s: MonitorSample): string {
  const parts = [s.time, `uptime=${s.uptime}`];
  for (const [k, v] of Object.entries(s.stats)) {
    const r = s.rates[k];
    parts.push(r === undefined ? `${k}=${v}` : `${k}=${v}(${r >= 0 ? '+' : ''}${r}/s)`);
  }
  return parts.join(' ');
}
