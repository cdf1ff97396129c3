import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture } from '../../helpers/fixtures.js';
import { parseStatCsv } from '../../bench/lib/sipp.js';

test('reads the cumulative counts of the last row of a sipp 3.6.1 -trace_stat file', () => {
  const s = parseStatCsv(fixture('bench', 'sipp-3.6.1-uac-stat.csv').toString('latin1'));
  assert.deepEqual(
    { ...s, elapsedS: Number(s.elapsedS.toFixed(6)) },
    { created: 5, successful: 5, failed: 0, retransmissions: 0, outOfCall: 0, deadCall: 0, elapsedS: 1.51584 },
  );
});

test('reads failures and retransmissions of an overloaded REGISTER run', () => {
  const s = parseStatCsv(fixture('bench', 'sipp-3.6.1-register-overload-stat.csv').toString('latin1'));
  assert.equal(s.created, 24000);
  assert.equal(s.successful, 22204);
  assert.equal(s.failed, 1796);
  assert.equal(s.retransmissions, 39540);
  assert.equal(s.deadCall, 389);
  assert.ok(Math.abs(s.elapsedS - 6.93145) < 1e-5);
});

test('a file without data rows or without a needed column is an error, not zeros', () => {
  const text = fixture('bench', 'sipp-3.6.1-uac-stat.csv').toString('latin1');
  const header = text.split('\n')[0]!;
  assert.throws(() => parseStatCsv(header + '\n'), /no data row/);
  const renamed = text.replace('FailedCall(C)', 'Failed(C)');
  assert.throws(() => parseStatCsv(renamed), /no FailedCall\(C\) column/);
});
