/**
 * siptest's SIPp-style entry (`siptest [remote_host[:port]] [options]`), called by bin/siptest.js
 * without oclif: shell scripts start a background UAS and send to it a second later, so start-up
 * counts. Only the option parser is loaded before -v, -h and -sd answer; a run loads the engine
 * (runner.ts) once the command line is known. Output and exit codes are those of the `run` command
 * (commands/siptest/run.ts), which serves `siptest run -- ...` through oclif.
 */
import { fstatSync } from 'node:fs';
import { parseCommandLine } from './options/parse-args.js';
import type { RunIo } from './run-io.js';
import { versionText } from './version.js';

const NO_CALLS = 99;

/** oclif's logJson: the value pretty-printed, one line feed after it. */
const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/**
 * Whether stdout is a terminal. process.stdout's first read builds the stream, loading node:tty
 * or node:net and the stream modules (~5 M instructions, before the first call: issue 15), so
 * what is plainly no terminal is told from fstat: not a character device (a file, a pipe, a
 * socket), or a memory device (Linux major 1: /dev/null, /dev/zero), as for a script's
 * `>/dev/null`. Anything else is node's answer.
 */
function stdoutIsTTY(): boolean {
  if (process.platform === 'linux') {
    try {
      const st = fstatSync(1);
      if (!st.isCharacterDevice() || ((st.rdev >> 8) & 0xfff) === 1) return false;
    } catch {
      /* no fd 1: node's answer */
    }
  }
  return Boolean(process.stdout.isTTY);
}

/** Answers -v, -h and -sd from light modules; undefined for anything else (a run or an error). */
async function answerAtOnce(argv: readonly string[], io: RunIo): Promise<number | undefined> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch {
    return undefined; // the runner reports it, with the scenario's unsupported features if any
  }
  if (parsed.kind === 'version') io.stdout(versionText());
  else if (parsed.kind === 'help') {
    const { helpStatText, helpText } = await import('./options/help.js');
    io.stdout(parsed.topic === 'stat' ? helpStatText() : helpText());
  } else if (parsed.kind === 'dump') {
    const { builtinScenario } = await import('./scenario/builtin.js');
    try {
      io.stdout(builtinScenario(parsed.name));
    } catch {
      return undefined;
    }
  } else return undefined;
  return NO_CALLS;
}

let runner: typeof import('./runner.js') | undefined;

/** Whether this process ran the engine (runner.ts engineRan): false before the runner loads. */
export const engineRan = (): boolean => runner?.engineRan() ?? false;

/** Run siptest with SIPp's argv; resolves with SIPp's exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const io: RunIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    get isTTY() {
      return stdoutIsTTY();
    },
    argv,
  };
  const json = argv.includes('--json') || argv.includes('-json');
  // (With --json the runner answers, so that the JSON envelope is printed as through oclif.)
  const early = json ? undefined : await answerAtOnce(argv, io);
  if (early !== undefined) return early;
  runner = await import('./runner.js');
  const r = await runner.runSiptest(argv, io);
  if (json)
    printJson(
      r.summary
        ? { status: r.exitCode, result: r.summary }
        : {
            status: r.exitCode,
            error: { name: 'SippError', code: 'SIPTEST', message: r.error ?? 'no summary', actions: [] },
          },
    );
  return r.exitCode;
}
