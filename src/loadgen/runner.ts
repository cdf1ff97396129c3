/**
 * siptest's entry point: parse SIPp's options, load and validate the scenario(s) before any
 * socket is opened; then run-once.ts (loaded only then) sets up addresses and sockets, runs, and
 * writes the final statistics and screens (or the --json summary). Returns SIPp's exit code.
 */
import type * as ChildProcess from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { helperThreadsYield } from './helper-threads.js';
import { SippError, SippExit, UnsupportedFeatures, usageError } from './errors.js';
import { clockMs, processStartMs } from './engine/clock.js';
import { InjectionFile } from './engine/injection.js';
import { helpStatText, helpText } from './options/help.js';
import { parseCommandLine } from './options/parse-args.js';
import type { RunOptions } from './options/run-options.js';
import { reportError, type RunIo, type RunResult } from './run-io.js';
import { builtinScenario, builtinScenarioToRun } from './scenario/builtin.js';
import { checkInjectedAuth } from './scenario/injected-auth.js';
import { loadScenario, newLoadContext, type LoadContext } from './scenario/loader.js';
import type { Scenario } from './scenario/model.js';
import { decodeScenarioBytes } from './scenario/xml.js';
import { versionText } from './version.js';
import { planTwin } from './twin/plan.js';

export { reportError, type RunIo, type RunResult } from './run-io.js';
export type { RunOnceExtras } from './run-once.js';

export { SIPTEST_VERSION } from './version.js';

export function loadScenarios(o: RunOptions): {
  main: Scenario;
  ooc?: Scenario;
  aa?: Scenario;
  ctx: LoadContext;
  injection: Map<string, InjectionFile>;
} {
  const injection = new Map<string, InjectionFile>();
  for (const path of o.injectionFiles) {
    const f = new InjectionFile(path);
    injection.set(f.name, f);
  }
  for (const { file, field } of o.injectionIndexes) {
    const f = injection.get(file) ?? injection.get(basename(file));
    if (!f) throw usageError(`Could not find file for -infindex: ${file}`);
    f.buildIndex(field);
  }
  const ctx = newLoadContext({
    keywords: o.keywords,
    injectionFiles: new Set(injection.keys()),
    defaultInjectionFile: o.injectionFiles[0] ? basename(o.injectionFiles[0]) : undefined,
    authUser: o.authUser ?? o.service,
    authPassword: o.authPassword,
    defaultPauseMs: o.durationMs,
    rtpPayload: o.rtpPayload,
  });
  const load = (file: string | undefined, name: string | undefined): Scenario => {
    if (file !== undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw usageError(`Unable to load or parse '${file}' xml scenario file: ${(e as Error).message}`);
      }
      const { text, encoding } = decodeScenarioBytes(bytes);
      const base = basename(file).replace(/\.xml$/, '');
      return loadScenario({ text, source: file, fileBase: base, encoding, dir: dirname(file) }, ctx);
    }
    const n = name ?? 'uac';
    return loadScenario({ text: builtinScenarioToRun(n), source: `built-in scenario '${n}'`, fileBase: n }, ctx);
  };
  const main = load(o.scenarioFile, o.scenarioName);
  const ooc = o.oocScenarioFile || o.oocScenarioName ? load(o.oocScenarioFile, o.oocScenarioName) : undefined;
  const aa = loadScenario({ text: builtinScenarioToRun('ooc_dummy'), source: 'ooc_dummy', fileBase: 'ooc_dummy' }, ctx);
  for (const s of ooc ? [main, ooc] : [main]) checkInjectedAuth(s, injection);
  return { main, ooc, aa, ctx, injection };
}

let engineStarted = false;

/**
 * Whether this process ran the engine (its calls started: not an answer such as -h or -sd, nor an
 * error before the first call, such as a missing remote host): bin/siptest.js writes the bundle's code cache only then, so that the cache holds
 * what a run compiles (bin/load.js).
 */
export const engineRan = (): boolean => engineStarted;

export async function runSiptest(argv: readonly string[], io: RunIo): Promise<RunResult> {
  let json = false;
  try {
    const parsed = parseCommandLineListingAll(argv);
    if (parsed.kind === 'help') {
      io.stdout(parsed.topic === 'stat' ? helpStatText() : helpText());
      return { exitCode: SippExit.NO_CALLS, json };
    }
    if (parsed.kind === 'version') {
      io.stdout(versionText());
      return { exitCode: SippExit.NO_CALLS, json };
    }
    if (parsed.kind === 'dump') {
      io.stdout(builtinScenario(parsed.name));
      return { exitCode: SippExit.NO_CALLS, json };
    }
    const o = parsed.options;
    json = o.json;
    const loaded = loadScenarios(o);
    if (loaded.ooc && loaded.main.mode === 'server')
      throw new SippError('SIPp cannot use out-of-call scenarios when running in server mode', SippExit.FATAL);
    const twinPlan = planTwin(o, loaded.main);
    if (twinPlan && o.workers > 1)
      throw usageError(
        '-workers cannot be used with 3PCC (-3pcc, -master, -slave): the twin channel is one connection',
      );
    if (o.background) return background(io);
    helperThreadsYield();
    if (o.sleepMs) await new Promise((r) => setTimeout(r, o.sleepMs));
    if (o.workers > 1) {
      engineStarted = true;
      const { runWorkers } = await import('./workers/main.js');
      return await runWorkers(o, argv, io, loaded.main);
    }
    // The call rate counts from the start of the process. SIPp sets it after its options, -sleep
    // and scenario, before its sockets (sipp.cpp: set_rate, then open_connections), a few ms
    // into its run; Node's start and siptest's loading take longer, and the first call would
    // wait for them and a whole period more. With -sleep, from its end, as in SIPp.
    const rateSince = o.sleepMs ? clockMs() : processStartMs();
    const { runOnce } = await import('./run-once.js');
    const onRuntime = () => {
      engineStarted = true;
    };
    return await runOnce(o, loaded, io, { twinPlan, rateSince, onRuntime });
  } catch (err) {
    const e = err instanceof SippError ? err : new SippError((err as Error)?.stack ?? String(err));
    reportError(io, e);
    return { exitCode: e.exitCode, json, error: e.where ? `${e.where}: ${e.message}` : e.message };
  }
}

/**
 * The command line; when it has options siptest cannot honour, the scenario's unsupported
 * features are added to the same list (every one is reported at once, before any traffic).
 */
function parseCommandLineListingAll(argv: readonly string[]): ReturnType<typeof parseCommandLine> {
  try {
    return parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UnsupportedFeatures) || !e.options) throw e;
    try {
      loadScenarios(e.options as RunOptions);
    } catch (more) {
      if (more instanceof UnsupportedFeatures) throw new UnsupportedFeatures([...e.items, ...more.items]);
    }
    throw e;
  }
}

function background(io: RunIo): RunResult {
  // -bg only: required here, not loaded at every start. (require, not import(): in the bin's
  // bundle, compiled through vm.Script, a dynamic import() of a builtin has no loader.)
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;
  const args = io.argv.filter((a) => a !== '-bg' && a !== '--bg');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  io.stdout(`Background mode - PID=[${child.pid}]\n`);
  return { exitCode: SippExit.NO_CALLS, json: false };
}
