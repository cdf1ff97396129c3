/** Prose shared by the three man pages: output conventions and the environment they all honour. */
import type { Block } from '../man-page.js';

/** How every sipkit command writes output (src/cli/base-command.ts, src/cli/output.ts). */
export const outputBlocks = (bin: string): Block[] => [
  `Every command takes \`--json\`: stdout then holds exactly one JSON document, \`{"status": 0, "result": ...}\` on success or \`{"status": N, "error": {"name", "code", "message", "actions"}}\` on failure, where N is the exit status. The exit status is the same with and without \`--json\`. Setting \`${bin.toUpperCase()}_CONTENT_TYPE=json\` in the environment has the same effect as \`--json\`.`,
  'Without `--json`, results are tables on a terminal (with colour) and plain columns separated by spaces when stdout is a pipe or a file, one record per line, with `-` for an empty field, so that the output can be read by `awk`. Errors go to stderr with what to do next.',
];

export const colourEnvironment: ReadonlyArray<readonly [string, string]> = [
  ['NO_COLOR', 'When set to a non-empty value, no colour is used.'],
  [
    'FORCE_COLOR',
    '`0` or `false` turns colour off; `1`, `2`, `3` (or empty, or `true`) force colour even into a pipe. Takes precedence over NO_COLOR.',
  ],
];

export const pathEnvironment: ReadonlyArray<readonly [string, string]> = [
  ['HOME', 'Home directory of a user other than root: the default paths are under it.'],
  ['XDG_CONFIG_HOME', 'Base of the default configuration file for users other than root (default ~/.config).'],
  ['XDG_DATA_HOME', 'Base of the default data directory for users other than root (default ~/.local/share).'],
  [
    'XDG_RUNTIME_DIR',
    'Base of the default run directory for users other than root; without it ~/.local/state/sipkit/run is used.',
  ],
];
