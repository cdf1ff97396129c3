import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianOf, resultTable, type SessionFigures } from '../../bench/lib/report.js';

const f = (server: string, round: number, reg: number, calls: number, cpu: number | null): SessionFigures => ({
  server,
  round,
  registerPerS: reg,
  callsPerS: calls,
  cpuMsPer1000Calls: cpu,
  fixedRateClean: cpu !== null,
});

test('median and spread of the rounds that have a figure', () => {
  assert.deepEqual(medianOf([1200, null, 1500, 1000]), { median: 1200, spreadPct: (500 / 1200) * 100 });
  assert.deepEqual(medianOf([null]), { median: null, spreadPct: null });
});

test('the table shows each round, the median and spread, and sipd / kamailio of the medians', () => {
  const figures = [
    f('kamailio', 1, 6000, 4000, 300),
    f('sipd', 1, 2500, 1500, 900),
    f('kamailio', 2, 7000, 5000, 280),
    f('sipd', 2, 3500, 1200, null),
    f('kamailio', 3, 5000, 4500, 290),
    f('sipd', 3, 3000, 1300, 800),
  ];
  figures[1]!.p99Ms = 120;
  figures[0]!.p99Ms = 60;
  const text = resultTable(figures, ['kamailio', 'sipd'], 3);
  const line = (label: string) => text.split('\n').find((l) => l.includes(label))!;
  // kamailio 6,000 7,000 5,000 → median 6,000, spread 33 %; sipd median 3,000 → 0.50×
  assert.match(line('REGISTER/s'), /6,000.*7,000.*5,000.*6,000.*33%.*2,500.*3,500.*3,000.*3,000.*33%.*0\.50×/);
  assert.match(line('calls/s'), /4,500.*1,300.*0\.29×/);
  // a round without a figure (not clean) is left out of the median: sipd (900 + 800) / 2 = 850
  assert.match(line('CPU ms'), /290\.0.*900\.0.*—.*800\.0.*850\.0.*12%.*2\.93×/);
  assert.match(line('p99'), /60.*120.*2\.00×/);
  assert.match(line('memory MB, peak'), /—\s*│\s*$/);
});

test('without sipd there is no ratio column', () => {
  const text = resultTable([f('kamailio', 1, 6000, 4000, 300)], ['kamailio'], 1);
  assert.doesNotMatch(text, /sipd/);
  assert.match(text, /kamailio median/);
});
