/**
 * siptest's argv routing: `siptest [remote_host[:port]] [options]` (SIPp's command line) goes to
 * the runner command, unchanged after "--" so oclif does not parse SIPp's options; siptest's own
 * commands (scenario dump, scenario validate, help, --help, --version) go to oclif as they are.
 */
const OWN = new Set(['run', 'scenario', 'help', '--help', '--version']);

export function routeSiptestArgv(args: string[]): string[] {
  if (args.length > 0 && OWN.has(args[0]!)) return args;
  return ['run', '--', ...args];
}
