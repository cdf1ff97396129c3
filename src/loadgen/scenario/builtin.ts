/**
 * The built-in scenarios (`-sn`, `-sd`, `-oocsn`), in SIPp's table order.
 */
import { usageError } from '../errors.js';
import { pcc3_A, pcc3_B, pcc3_C_A, pcc3_C_B } from './builtin-3pcc.js';
import { branchc, branchs, ooc_default, ooc_dummy, uac_pcap } from './builtin-branch-ooc.js';
import { regexp, uac, uas } from './builtin-uac-uas.js';

export const builtinScenarios: ReadonlyMap<string, string> = new Map([
  ['uac', uac],
  ['uas', uas],
  ['regexp', regexp],
  ['3pcc-C-A', pcc3_C_A],
  ['3pcc-C-B', pcc3_C_B],
  ['3pcc-A', pcc3_A],
  ['3pcc-B', pcc3_B],
  ['branchc', branchc],
  ['branchs', branchs],
  ['uac_pcap', uac_pcap],
  ['ooc_default', ooc_default],
  ['ooc_dummy', ooc_dummy],
]);

/** The XML text of a built-in scenario; an unknown name is an error (exit 1, as SIPp). */
export function builtinScenario(name: string): string {
  const text = builtinScenarios.get(name);
  if (text === undefined)
    throw usageError(
      `Invalid default scenario name '${name}'`,
      `built-in scenarios: ${[...builtinScenarios.keys()].join(', ')}`,
    );
  return text;
}
