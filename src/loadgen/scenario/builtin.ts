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

const toRun = new Map<string, string>();

/**
 * A built-in scenario as the runner parses it: the text without its comments (a third of it is
 * the licence header, and the XML parser goes through comments character by character before
 * the first call; issue 15), each comment replaced by the line feeds it held, so that line
 * numbers in messages are those of `-sd`'s text. -sd prints builtinScenario()'s full text.
 */
export function builtinScenarioToRun(name: string): string {
  let text = toRun.get(name);
  if (text === undefined) toRun.set(name, (text = withoutComments(builtinScenario(name))));
  return text;
}

/** XML comments removed, CDATA sections (whose "<!--" is text) kept as they are. */
export function withoutComments(xml: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const comment = xml.indexOf('<!--', i);
    const cdata = xml.indexOf('<![CDATA[', i);
    if (comment < 0) return out + xml.slice(i);
    if (cdata >= 0 && cdata < comment) {
      const close = xml.indexOf(']]>', cdata);
      if (close < 0) return out + xml.slice(i);
      out += xml.slice(i, close + 3);
      i = close + 3;
      continue;
    }
    const end = xml.indexOf('-->', comment + 4);
    if (end < 0) return out + xml.slice(i);
    let lines = 0;
    for (let k = comment; k < end; k++) if (xml.charCodeAt(k) === 0x0a) lines++;
    out += xml.slice(i, comment) + '\n'.repeat(lines);
    i = end + 3;
  }
}
