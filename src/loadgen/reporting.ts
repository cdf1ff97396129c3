/**
 * The periodic side of a run: statistics rows every -fd, per-message counts, error codes and
 * response-time samples, the live screen on a TTY every -f, the rate ramp (-rate_increase), and
 * the end-of-run rows and screens. SIPp writes the last statistics row twice (at the end of the
 * loop and at exit); so does siptest, for scripts that read the last line.
 */
import { CsvFile, countsHeader, countsRow, statHeader, statRow } from './stats/csv.js';
import { cppDouble, formatTime, msToHHMMSSus } from './stats/format.js';
import { repartitionScreen, scenarioScreen, statsScreen, type ScreenState } from './stats/screen.js';
import { Snapshot } from './stats/stats.js';
import { nowUs } from './engine/clock.js';
import type { Runtime } from './engine/runtime.js';

/** What reporting reads from a run: a Runtime, or the aggregate of worker threads. */
export type ReportSource = Pick<
  Runtime,
  'stats' | 'scenario' | 'opts' | 'now' | 'startUs' | 'quitting' | 'transportName' | 'setRate'
> & {
  ids: { pid: number };
  generator: { rate: number; openCallsAllowed: number };
  local: { port: number };
  remote: { ip: string; port: number } | undefined;
  calls: { size: number };
  logs: { lastError: string };
  scheduler: { lastWoken: number; runningCount: number };
};

export interface ReportingOptions {
  tty: boolean;
  write: (text: string) => void;
  openSockets: () => number;
}

export class Reporting {
  private stat?: CsvFile;
  private counts?: CsvFile;
  private codes?: CsvFile;
  private rtt?: CsvFile;
  private rttRows: string[] = [];
  private pl!: Snapshot;
  private pd!: Snapshot;
  private lastDump = 0;
  private lastScreen = 0;
  private lastRateIncrease = 0;
  private periodCreated = 0;
  rt!: ReportSource;

  constructor(private readonly r: ReportingOptions) {}

  attach(rt: ReportSource): void {
    this.rt = rt;
    const o = rt.opts;
    const base = rt.scenario.fileBase;
    const pid = rt.ids.pid;
    this.pl = new Snapshot(rt.stats, rt.startUs);
    this.pd = new Snapshot(rt.stats, rt.startUs);
    if (o.traceStat) {
      this.stat = new CsvFile(o.statFile ?? `${base}_${pid}_.csv`);
      this.stat.line(statHeader(rt.scenario, o.statDelimiter));
    }
    if (o.traceCounts) {
      this.counts = new CsvFile(`${base}_${pid}_counts.csv`);
      this.counts.line(
        countsHeader(rt.scenario, o.statDelimiter, o.lostPercent > 0 || rt.scenario.messages.some((m) => m.lost >= 0)),
      );
    }
    if (o.traceErrorCodes) this.codes = new CsvFile(`${base}_${pid}_error_codes.csv`);
    if (o.traceRtt) {
      this.rtt = new CsvFile(`${base}_${pid}_rtt.csv`);
      this.rtt.line(`Date_ms${o.statDelimiter}response_time_ms${o.statDelimiter}rtd_no`);
    }
    const t = rt.now();
    this.lastDump = t;
    this.lastScreen = t;
    this.lastRateIncrease = t;
    this.dump();
    if (this.r.tty) this.draw(false);
  }

  rttSample(stopUs: number, rttUs: number, rtd: number): void {
    if (!this.rtt) return;
    const d = this.rt.opts.statDelimiter;
    this.rttRows.push(
      `${cppDouble((stopUs - this.startMono) / 1000)}${d}${cppDouble(rttUs / 1000)}${d}${this.rt.scenario.rtdNames[rtd - 1]}`,
    );
    if (this.rttRows.length >= this.rt.opts.rttFreq) this.flushRtt();
  }

  /** Monotonic µs at the start, for the rtt file's "ms since start". */
  startMono = 0;

  private flushRtt(): void {
    for (const row of this.rttRows) this.rtt?.line(row);
    this.rttRows = [];
  }

  /** One statistics row (and counts / error codes rows), then a new periodic snapshot. */
  dump(): void {
    const rt = this.rt;
    const o = rt.opts;
    const now = nowUs();
    if (this.stat)
      this.stat.line(
        statRow({
          stats: rt.stats,
          scenario: rt.scenario,
          startUs: rt.startUs,
          nowUs: now,
          last: this.pl,
          targetRate: o.users >= 0 ? o.users : rt.generator.rate,
          periodicRtd: o.periodicRtd,
          delimiter: o.statDelimiter,
        }),
      );
    const lossColumns = o.lostPercent > 0 || rt.scenario.messages.some((m) => m.lost >= 0);
    this.counts?.line(countsRow(rt.scenario, rt.stats, now, rt.startUs, o.statDelimiter, lossColumns));
    if (this.codes) {
      const codes = rt.stats.errorCodes.splice(0).reverse();
      this.codes.line(`${formatRowTime(now, rt.startUs, o.statDelimiter)}${codes.map((c) => `${c},`).join('')}`);
    }
    this.pl = new Snapshot(rt.stats, now);
    this.lastDump = rt.now();
  }

  onCycle(now: number): void {
    const o = this.rt.opts;
    if ((this.stat || this.counts || this.codes) && now - this.lastDump >= o.dumpLogFreqMs) this.dump();
    if (this.r.tty && o.reportFreqMs && now - this.lastScreen >= o.reportFreqMs) this.draw(false);
    const interval = o.rateIntervalMs || o.dumpLogFreqMs;
    if (o.rateIncrease && this.rt.quitting < 10 && now - this.lastRateIncrease >= interval) {
      let rate = this.rt.generator.rate + o.rateIncrease;
      if (o.rateMax && rate > o.rateMax) {
        rate = o.rateMax;
        if (o.rateQuit) this.rt.quitting += 10;
      }
      this.rt.setRate(rate);
      this.lastRateIncrease = now;
    }
  }

  screenState(last: boolean): ScreenState {
    const rt = this.rt;
    const o = rt.opts;
    const now = rt.now();
    const created = rt.stats.totalCreated;
    const state: ScreenState = {
      scenario: rt.scenario,
      stats: rt.stats,
      mode: rt.scenario.mode,
      rate: rt.generator.rate,
      ratePeriodMs: o.ratePeriodMs,
      durationMs: o.durationMs,
      users: o.users,
      localPort: rt.local.port,
      clockMs: now,
      remote: rt.remote ? `${rt.remote.ip}:${rt.remote.port}` : undefined,
      transport: rt.transportName,
      stopAfter: o.stopAfter,
      limit: rt.generator.openCallsAllowed,
      sinceReportMs: now - this.lastScreen,
      periodCreated: created - this.periodCreated,
      running: rt.scheduler.runningCount,
      paused: rt.calls.size,
      woken: rt.scheduler.lastWoken,
      openSockets: this.r.openSockets(),
      lastError: rt.logs.lastError,
      last,
      quitting: rt.quitting > 0,
      lossColumns: o.lostPercent > 0 || rt.scenario.messages.some((m) => m.lost >= 0),
    };
    return state;
  }

  /** The live screen (TTY): scenario screen, redrawn in place. */
  draw(last: boolean): void {
    const lines = scenarioScreen(this.screenState(last));
    this.r.write('\x1b[H\x1b[2J' + lines.join('\n') + '\n');
    this.lastScreen = this.rt.now();
    this.periodCreated = this.rt.stats.totalCreated;
    this.rt.scheduler.lastWoken = 0;
    this.pd = new Snapshot(this.rt.stats, nowUs());
  }

  /** Every screen, as SIPp writes them to the screen log. */
  allScreens(last: boolean): string {
    const s = this.screenState(last);
    return (
      [...scenarioScreen(s), ...statsScreen(s, this.rt.startUs, this.pd, nowUs()), ...repartitionScreen(s)].join('\n') +
      '\n'
    );
  }

  /** The text printed at exit: the scenario screen, then the statistics screen. */
  closingScreens(): string {
    const s = this.screenState(true);
    return [...scenarioScreen(s), ...statsScreen(s, this.rt.startUs, this.pd, nowUs())].join('\n') + '\n';
  }

  /** End of run: the last rows (twice, like SIPp), then close the files. */
  finish(): void {
    this.dump();
    this.dump();
    this.flushRtt();
    for (const f of [this.stat, this.counts, this.codes, this.rtt]) f?.close();
  }
}

function formatRowTime(now: number, start: number, d: string): string {
  return `${formatTime(now)}${d}${msToHHMMSSus((now - start) / 1000)}${d}`;
}
