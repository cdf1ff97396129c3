import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinScenario } from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import { C } from '../../../src/loadgen/stats/counters.js';
import { countsHeader, statHeader, statRow } from '../../../src/loadgen/stats/csv.js';
import { cppDouble, msToHHMMSSus } from '../../../src/loadgen/stats/format.js';
import { Snapshot, Stats } from '../../../src/loadgen/stats/stats.js';
import { statsShape } from '../../../src/loadgen/engine/runtime-options.js';
import { fixture } from '../../helpers/fixtures.js';

const uac = loadScenario({ text: builtinScenario('uac'), source: 'uac', fileBase: 'uac' }, newLoadContext());
const uas = loadScenario({ text: builtinScenario('uas'), source: 'uas', fileBase: 'uas' }, newLoadContext());
const firstLine = (name: string) => fixture('sipp-output', name).toString('latin1').split('\n')[0];

test('-trace_stat and -trace_counts headers are those sipp 3.6.1 wrote', () => {
  assert.equal(statHeader(uac, ';'), firstLine('uac_9297_.csv'));
  assert.equal(statHeader(uas, ';'), firstLine('uas_9278_.csv'));
  assert.equal(countsHeader(uac, ';', false), firstLine('uac_9297_counts.csv'));
});

test('a script cutting the stat file by position finds OutgoingCall(C) in 12 and FailedCall(C) in 18', () => {
  const st = new Stats(statsShape(uac));
  const start = Date.UTC(2026, 10, 22, 10, 24, 16) * 1000 + 123496;
  const snap = new Snapshot(st, start);
  for (let i = 0; i < 20; i++) st.callCreated(false, 1000);
  st.add(C.SuccessfulCall, 17);
  st.add(C.FailedCall, 3);
  st.add(C.FailedTimeoutOnRecv, 3);
  st.current = 0;
  st.responseTime(1, 12_400);
  st.callLength(508);
  const row = statRow({
    stats: st,
    scenario: uac,
    startUs: start,
    nowUs: start + 2_000_000,
    last: snap,
    targetRate: 10,
    periodicRtd: false,
    delimiter: ';',
  });
  const header = statHeader(uac, ';').split(';');
  const cols = row.split(';');
  // `cut -d';' -f12` is 1-based, like regress test github-#0152.
  const cut = (n: number) => cols[n - 1];
  assert.equal(header[11], 'OutgoingCall(C)');
  assert.equal(cut(12), '20');
  assert.equal(header[17], 'FailedCall(C)');
  assert.equal(cut(18), '3');
  assert.equal(cols.length, header.length);
  assert.equal(row.endsWith(';'), true);
  assert.match(cut(1)!, /^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.123496\t\d{10}\.123496$/);
  assert.equal(cut(5), '00:00:02');
  assert.equal(cut(8), '10');
  assert.equal(cols[header.indexOf('FailedTimeoutOnRecv(C)')], '3');
  assert.equal(cols[header.indexOf('ResponseTime1(C)')], '00:00:00:012000');
  assert.equal(cols[header.indexOf('CallLength(C)')], '00:00:00:508000');
  assert.equal(cols[header.indexOf('ResponseTimeRepartition1_<20')], '1');
  assert.equal(cols[header.indexOf('CallLengthRepartition_<1000')], '1');
});

test('number and duration formats', () => {
  assert.equal(cppDouble(3.99202), '3.99202');
  assert.equal(cppDouble(5), '5');
  assert.equal(cppDouble(0.996214), '0.996214');
  assert.equal(cppDouble(1004.0003), '1004');
  assert.equal(cppDouble(1234567), '1.23457e+06');
  assert.equal(msToHHMMSSus(4512), '00:00:04:512000');
  assert.equal(msToHHMMSSus(3_723_001), '01:02:03:001000');
});
