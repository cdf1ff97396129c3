/**
 * The periodic side of a run: statistics rows every -fd, per-message counts, error codes and
 * response-time samples, the screen report every -f (drawn on a TTY; the periodic counters, the
 * period and the scheduler's cycle count start again with or without one, as SIPp's screentask),
 * the screen chosen with keys 1–9, the rate ramp (-rate_increase), and the end-of-run rows and
 * screens. SIPp writes the last statistics row twice (at the end of the loop and at exit); so
 * does siptest, for scripts that read the last line.
 */
import { CsvFile, countsHeader, countsRow, statHeader, statRow } from './stats/csv.js';
import { cppDouble, formatTime, msToHHMMSSus } from './stats/format.js';
import type { ScreenState } from './stats/screen.js';
import { closingViews, dumpViews, renderScreen, SCENARIO_VIEW, viewForKey, type ScreenView } from './stats/screens.js';
import { Snapshot } from './stats/stats.js';
import { nowUs } from './engine/clock.js';
import type { Runtime } from './engine/runtime.js';

/** What reporting reads from a run: a Runtime, or the aggregate of worker threads. */
export type ReportSource = Pick<
  Runtime,
  'stats' | 'scenario' | 'opts' | 'now' | 'startUs' | 'quitting' | 'transportName' | 'setRate'
> & {
  ids: { pid: number };
  generator: { rate: number; openCallsAllowed: number; paused?: boolean };
  local: { port: number };
  remote: { ip: string; port: number } | undefined;
  calls: { size: number };
  logs: { lastError: string };
  scheduler: { lastWoken: number; runningCount: number; loops: number };
  /** 3PCC runs: the role's screen line. */
  twinRole?: { banner: string };
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
  /**
   * Set by finish(): the clock every later screen shows (the screen log and the screens printed at
   * exit). SIPp draws with clock_tick, which only its scheduler loop advances; its last report
   * sets clock_tick and last_report_time to one reading, and the loop never runs again, so those
   * screens always show a 0 ms period. A live clock here would show 0 or 1+ ms depending on how
   * long the files took to close (a different scenario screen under load).
   */
  private stoppedAt?: number;
  /** scheduler.loops at the last screen report. */
  private loopsAtReport = 0;
  private lastRateIncrease = 0;
  /** The screen keys 1–9 chose. */
  private view: ScreenView = SCENARIO_VIEW;
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
    this.stoppedAt = undefined;
    this.lastDump = t;
    this.lastScreen = t;
    this.loopsAtReport = rt.scheduler.loops;
    this.lastRateIncrease = t;
    this.dump();
    this.report();
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
    if (o.reportFreqMs && now - this.lastScreen >= o.reportFreqMs) this.report();
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
    const now = this.stoppedAt ?? rt.now();
    return {
      scenario: rt.scenario,
      stats: rt.stats,
      mode: rt.scenario.mode,
      twinBanner: rt.twinRole?.banner,
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
      schedulingLoops: rt.scheduler.loops - this.loopsAtReport,
      startUs: rt.startUs,
      nowUs: nowUs(),
      pd: this.pd,
      // siptest plays no RTP from pcap files (media actions are refused at load).
      rtp: { packets: 0, periodBytes: 0 },
      running: rt.scheduler.runningCount,
      paused: rt.calls.size,
      woken: rt.scheduler.lastWoken,
      openSockets: this.r.openSockets(),
      lastError: rt.logs.lastError,
      last,
      quitting: rt.quitting > 0,
      trafficPaused: rt.generator.paused ?? false,
      lossColumns: o.lostPercent > 0 || rt.scenario.messages.some((m) => m.lost >= 0),
    };
  }

  /** Screens as text; drawing the scenario screen zeroes "Woken up", as SIPp's does. */
  private render(views: ScreenView[], last: boolean): string {
    const s = this.screenState(last);
    const text = views.map((v) => renderScreen(v, s).join('\n')).join('\n') + '\n';
    if (views.some((v) => v.kind === 'scenario')) this.rt.scheduler.lastWoken = 0;
    return text;
  }

  /** The screen report (SIPp's screentask::report): draw on a TTY, then start a new period. */
  report(): void {
    this.redraw();
    this.pd = new Snapshot(this.rt.stats, nowUs());
    this.lastScreen = this.rt.now();
    this.loopsAtReport = this.rt.scheduler.loops;
  }

  /** Draw the chosen screen in place (TTY only), without starting a new period. */
  redraw(): void {
    if (this.r.tty) this.r.write('\x1b[H\x1b[2J' + this.render([this.view], false));
  }

  /** A key (keyboard or control socket), after its effect on the run: 1–9 choose the screen; SIPp redraws. */
  key(ch: string): void {
    const view = viewForKey(ch);
    if (view) this.view = view;
    if (view || '+-*/pqQ'.includes(ch)) this.redraw();
  }

  /** Every screen, as SIPp writes them to the screen log. */
  allScreens(): string {
    return this.render(dumpViews(this.rt.scenario.rtdNames.length), false);
  }

  /** The text printed at exit: the screen shown, then the statistics screen. */
  closingScreens(): string {
    return this.render(closingViews(this.view), true);
  }

  /**
   * End of run: a last screen report, whose time the screens after it keep (the screen log and the
   * screens at exit then show a period of 0 ms, as SIPp's), the last rows (twice, like SIPp), then
   * close the files.
   */
  finish(): void {
    this.report();
    this.stoppedAt = this.lastScreen;
    this.dump();
    this.dump();
    this.flushRtt();
    for (const f of [this.stat, this.counts, this.codes, this.rtt]) f?.close();
  }
}

function formatRowTime(now: number, start: number, d: string): string {
  return `${formatTime(now)}${d}${msToHHMMSSus((now - start) / 1000)}${d}`;
}
