import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { expiresFromDb, expiresToDb, fromDbDatetime, toDbDatetime } from '../../../src/store/datetime.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

test('DATETIME text is local time, as Kamailio writes it', () => {
  process.env.TZ = 'UTC';
  assert.equal(toDbDatetime(1700000000), '2023-11-14 22:13:20');
  process.env.TZ = 'Asia/Tokyo';
  assert.equal(toDbDatetime(1700000000), '2023-11-15 07:13:20');
  assert.equal(fromDbDatetime('2023-11-15 07:13:20'), 1700000000);
});

test('permanent contacts: time 0 in any zone reads back as 0', () => {
  for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati']) {
    process.env.TZ = tz;
    const text = expiresToDb(0);
    assert.equal(expiresFromDb(text), 0, `${tz}: ${text}`);
  }
  process.env.TZ = 'America/New_York';
  assert.equal(expiresToDb(0), '1969-12-31 19:00:00');
  // A permanent row written in another zone is still permanent here.
  assert.equal(expiresFromDb('1970-01-01 14:00:00'), 0);
  assert.equal(expiresFromDb('2030-05-28 21:32:15') > 0, true, "Kamailio's column default is a real date");
});

test('text that is not ISO (kamctl sqlite writes `date` output) does not crash the reader', () => {
  process.env.TZ = 'UTC';
  assert.equal(fromDbDatetime('Thu Aug 21 10:00:00 UTC 2025'), Date.UTC(2025, 7, 21, 10) / 1000);
  assert.equal(Number.isNaN(fromDbDatetime('garbage')), true);
  assert.equal(expiresFromDb('garbage'), 1, 'unreadable expiry counts as long expired');
});
