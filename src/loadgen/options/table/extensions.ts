/** siptest's own options (not in SIPp). */
import { usageError } from '../../errors.js';
import { S, flag, int, type OptionSpec } from './spec.js';

export const extensionOptions: OptionSpec[] = [
  flag(S.ext, 'json', 'Print a JSON summary on stdout at exit (counts, response codes, latency percentiles).', (o) => {
    o.json = true;
  }),
  int(
    S.ext,
    'workers',
    'Client load on this many threads (each with its own socket and share of -r, -m, -l).',
    (o, v) => {
      if (v < 1 || v > 64) throw usageError(`-workers must be between 1 and 64, not ${v}`);
      o.workers = v;
    },
  ),
];
