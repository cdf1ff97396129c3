import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestOf, resultTable, type SessionFigures } from '../../bench/lib/report.js';

const f = (server: string, round: number, reg: number, calls: number, cpu: number | null): SessionFigures => ({
  server,
  round,
  registerPerS: reg,
  callsPerS: calls,
  cpuMsPer1000Calls: cpu,
  fixedRateClean: cpu !== null,
});

test('best of rounds: max for rates, min for CPU, nulls ignored', () => {
  assert.equal(bestOf([1200, null, 1500], 'high'), 1500);
  assert.equal(bestOf([410.5, 380.2], 'low'), 380.2);
  assert.equal(bestOf([null], 'low'), null);
});

test('the table shows each round, the best, and sipd / kamailio of the bests', () => {
  const figures = [
    f('kamailio', 1, 6000, 4000, 300),
    f('sipd', 1, 2500, 1500, 900),
    f('kamailio', 2, 7000, 5000, 280),
    f('sipd', 2, 3500, 1200, null),
  ];
  const text = resultTable(figures, ['kamailio', 'sipd'], 2);
  const line = (label: string) => text.split('\n').find((l) => l.includes(label))!;
  assert.match(line('REGISTER/s'), /6,000.*7,000.*7,000.*2,500.*3,500.*3,500.*0\.50×/);
  assert.match(line('calls/s'), /4,000.*5,000.*5,000.*1,500.*1,200.*1,500.*0\.30×/);
  assert.match(line('CPU ms'), /300\.0.*280\.0.*280\.0.*900\.0.*—.*900\.0.*3\.21×/);
});

test('without sipd there is no ratio column', () => {
  const text = resultTable([f('kamailio', 1, 6000, 4000, 300)], ['kamailio'], 1);
  assert.doesNotMatch(text, /sipd/);
  assert.match(text, /kamailio best/);
});
