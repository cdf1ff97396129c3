import { Flags } from '@oclif/core';
import { renderModeOf, renderTable } from '../../src/cli/output.js';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { connectSipd } from '../../src/ctl/context.js';
import { formatDuration, MONITORED, sampleLine, samples, type MonitorSample } from '../../src/ctl/monitor.js';

const CLEAR = '\x1b[H\x1b[2J';

export default class Monitor extends CtlCommand<{ samples: number }> {
  static override summary = "Watch sipd's important counters (kamctl monitor)";
  static override description = `On a terminal: a screen refreshed every --interval seconds with the counters (requests and replies received and forwarded, transactions, registrations, auth failures, bans) and their rate per second; q or Ctrl-C quits. Otherwise: one line per sample ("TIME uptime=N name=value(+rate/s) ..."), or with --json one JSON object per line per sample ({time, uptime, stats, rates}) followed by the envelope {"status":0,"result":{"samples":N}}. --count stops after N samples; without it, SIGINT or SIGTERM stops (exit 0). Needs a running sipd (exit 5, also when it goes away).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --interval 5 --count 12 > samples.txt',
    "<%= config.bin %> <%= command.id %> --json --count 3 | jq -c 'select(.stats) | .rates'",
  ];
  static override flags = {
    interval: Flags.integer({ summary: 'seconds between samples', default: 2, min: 1 }),
    count: Flags.integer({ summary: 'stop after this many samples', min: 1 }),
  };

  async run(): Promise<{ samples: number }> {
    const { flags } = await this.parse(Monitor);
    const ctx = this.context(flags);
    const client = await connectSipd(ctx);
    const ac = new AbortController();
    const stop = () => ac.abort();
    const onPipeError = (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? stop() : undefined);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.on('error', onPipeError);
    const json = this.jsonEnabled();
    const screen = !json && Boolean(process.stdout.isTTY);
    const keys = screen && process.stdin.isTTY ? process.stdin : undefined;
    const onKey = (d: Buffer) => (d.includes(0x71) || d.includes(0x03) ? stop() : undefined); // q, Ctrl-C
    let n = 0;
    try {
      const version = screen ? (await client.call<{ version: string }>('core.version')).version : '';
      if (keys) {
        keys.setRawMode(true);
        keys.on('data', onKey);
        keys.resume();
      }
      for await (const s of samples(client, {
        intervalMs: flags.interval * 1000,
        count: flags.count,
        signal: ac.signal,
      })) {
        n++;
        if (json) process.stdout.write(JSON.stringify(s) + '\n');
        else if (screen) process.stdout.write(CLEAR + this.screen(s, version, flags.interval) + '\n');
        else this.log(sampleLine(s));
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.stdout.removeListener('error', onPipeError);
      if (keys) {
        keys.removeListener('data', onKey);
        keys.setRawMode(false);
        keys.pause();
      }
      client.close();
    }
    return { samples: n };
  }

  /** JSON Lines: the closing envelope is one line too, like the samples before it. */
  override logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json) + '\n');
  }

  private screen(s: MonitorSample, version: string, interval: number): string {
    const rows = MONITORED.filter((m) => s.stats[m.key] !== undefined).map((m) => ({
      label: m.label,
      key: m.key,
      value: s.stats[m.key],
      rate: m.gauge ? '' : (s.rates[m.key] ?? ''),
    }));
    const table = renderTable(
      rows,
      [
        { header: 'COUNTER', get: 'label' },
        { header: 'VALUE', get: 'value', align: 'right', style: (t, _r, c) => c.cyan(t) },
        { header: 'PER SECOND', get: 'rate', align: 'right' },
        { header: 'NAME', get: 'key', style: (t, _r, c) => c.dim(t) },
      ],
      // Aligned columns without box rules: the screen must fit a terminal, rule lines would double its height.
      { tty: false, color: renderModeOf(process.stdout).color },
    );
    const head = `${version} — up ${formatDuration(s.uptime)} — ${s.time}`;
    return `${head}\n${table}\nevery ${interval} s · q or Ctrl-C to quit`;
  }
}
