/**
 * The SipdTarget that ctl's daemon control works on, built from sipd's command-line overrides
 * with sipd's own config loader: the CLI is where the configuration meets the controller, so ctl
 * never imports the daemon. Only start validates the configuration (load.ts, with its schema,
 * imported then): stop and status only locate the run dir, and start up faster without it.
 */
import { resolve } from 'node:path';
import type { SipdTarget, StartPlan } from '../ctl/daemon-control.js';
import type { LoadConfigOptions } from '../daemon/config/load.js';
import { locateRuntime } from '../daemon/config/locate.js';

export function sipdTarget(opts: LoadConfigOptions = {}): SipdTarget {
  return {
    locate: () => locateRuntime(opts),
    prepareStart: () => startPlan(opts),
  };
}

/** Loads (and so validates) the config, and names it to `sipd run` by the same overrides. */
async function startPlan(opts: LoadConfigOptions): Promise<StartPlan> {
  const { loadConfig, runtimePathsOf } = await import('../daemon/config/load.js');
  const cwd = opts.cwd ?? process.cwd();
  const config = loadConfig(opts);
  const runArgs: string[] = [];
  if (config.config_file) runArgs.push('--config', config.config_file);
  for (const l of opts.listen ?? []) runArgs.push('--listen', l);
  for (const d of opts.domains ?? []) runArgs.push('--domain', d);
  if (opts.dbUrl !== undefined) runArgs.push('--db-url', opts.dbUrl);
  if (opts.workers !== undefined) runArgs.push('--workers', String(opts.workers));
  // `sipd run` starts in / (the daemon must not pin the caller's cwd): relative dirs resolve here.
  if (opts.dataDir !== undefined) runArgs.push('--data-dir', resolve(cwd, opts.dataDir));
  if (opts.runDir !== undefined) runArgs.push('--run-dir', resolve(cwd, opts.runDir));
  return { paths: runtimePathsOf(config), runArgs };
}
