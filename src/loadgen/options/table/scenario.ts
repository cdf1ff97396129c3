/** Scenario options: the XML file or built-in scenario, and the out-of-call one. */
import { S, opt, str, type OptionSpec } from './spec.js';

export const scenarioOptions: OptionSpec[] = [
  opt({
    name: 'h',
    section: S.scenario,
    arg: '',
    help: 'Show this help ("-h stat": the statistics file columns); exit 99.',
    kind: 'exit',
  }),
  opt({ name: 'help', section: S.scenario, arg: '', help: 'Same as -h.', kind: 'exit' }),
  opt({
    name: 'sd',
    section: S.scenario,
    arg: 'name',
    help: 'Print a built-in scenario (XML) and exit 99.',
    kind: 'exit',
    arity: 1,
  }),
  str(
    S.scenario,
    'sf',
    'Load a scenario from an XML file. Log and statistics file names start with its base name.',
    (o, v) => {
      o.scenarioFile = v;
    },
  ),
  str(
    S.scenario,
    'sn',
    'Use a built-in scenario: uac (default), uas, regexp, branchc, branchs, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, uac_pcap, ooc_default.',
    (o, v) => {
      o.scenarioName = v;
    },
  ),
  str(S.scenario, 'oocsf', 'Out-of-call scenario file: runs for requests whose Call-ID matches no call.', (o, v) => {
    o.oocScenarioFile = v;
  }),
  str(S.scenario, 'oocsn', 'Built-in out-of-call scenario (e.g. ooc_default).', (o, v) => {
    o.oocScenarioName = v;
  }),
];
