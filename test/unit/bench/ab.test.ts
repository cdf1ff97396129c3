import assert from 'node:assert/strict';
import { test } from 'node:test';
import { abSummary, median, spreadPct } from '../../bench/lib/ab.js';
import { abReport, type SessionFigures } from '../../bench/lib/report.js';

test('median of odd and even counts; spread is (max - min) over the median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(spreadPct([90, 100, 110]), 20);
});

test('A/B summary: rounds, medians, and after / before of the medians, better or worse by the metric', () => {
  const rate = abSummary({ label: 'calls/s', before: [1000, 1100, 900], after: [1200, 1000, 1100], better: 'high' });
  assert.match(rate[1]!, /before median 1000, rounds 1000, 1100, 900 \(spread 20\.0%\)/);
  assert.match(rate[2]!, /after {2}median 1100/);
  assert.match(rate[3]!, /after \/ before = 1\.100 .*10\.0% better/);
  const cpu = abSummary({ label: 'ms', before: [10], after: [11], better: 'low' });
  assert.match(cpu[3]!, /1\.100 .*10\.0% worse/);
  const none = abSummary({ label: 'ms', before: [NaN], after: [11], better: 'low' });
  assert.match(none[1]!, /before no figure/);
  assert.equal(none.length, 3);
});

test('the sipd report compares one server name with another, metric by metric', () => {
  const f = (server: string, round: number, reg: number, cpu: number | null): SessionFigures => ({
    server,
    round,
    registerPerS: reg,
    callsPerS: 100,
    cpuMsPer1000Calls: cpu,
    fixedRateClean: cpu !== null,
  });
  const lines = abReport(
    [f('before', 1, 2000, 500), f('sipd', 1, 2200, null), f('kamailio', 1, 9000, 100)],
    'before',
    'sipd',
  );
  const text = lines.join('\n');
  assert.match(text, /REGISTER\/s[^]*before median 2000[^]*after {2}median 2200[^]*after \/ before = 1\.100/);
  assert.match(text, /CPU ms \/ 1,000 calls:\n {2}before median 500\.0.*\n {2}after {2}no figure/);
});
