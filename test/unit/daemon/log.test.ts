import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../../src/daemon/log.js';

const dir = mkdtempSync(join(tmpdir(), 'sipd-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('logger', () => {
  test('never writes passwords, HA1s, Authorization headers or DB passwords', async () => {
    const file = join(dir, 'secrets.log');
    const log = createLogger({ level: 'info', file });
    log.logger.info(
      {
        password: 'hunter2',
        subscriber: { username: 'alice', password: 'swordfish', ha1: '0123456789abcdef0123456789abcdef' },
        authorization: 'Digest username="alice", response="deadbeef"',
        db_url: 'mysql://sip:topsecret@127.0.0.1/sipkit',
      },
      'subscriber added',
    );
    await until(() => existsSync(file), 'log file');
    log.flush();
    // The file appears before the asynchronous write lands: wait for the line itself.
    await until(() => readFileSync(file, 'utf8').includes('subscriber added'), 'log line');
    const text = readFileSync(file, 'utf8');
    for (const secret of ['hunter2', 'swordfish', '0123456789abcdef', 'deadbeef', 'topsecret']) {
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    }
    const line = JSON.parse(text.trim());
    assert.equal(line.subscriber.username, 'alice');
    assert.equal(line.db_url, 'mysql://sip:***@127.0.0.1/sipkit');
    assert.equal(line.msg, 'subscriber added');
  });

  test('reopen() starts a new file after logrotate renamed the old one', async () => {
    const file = join(dir, 'rotate.log');
    const log = createLogger({ level: 'info', file });
    log.logger.info('before rotation');
    await until(() => existsSync(file), 'log file');
    log.flush();
    // The file exists before the asynchronous open has returned its descriptor: a rename then
    // would make reopen() wait for that open and the buffered line land in the new file.
    await until(() => readFileSync(file, 'utf8').includes('before rotation'), 'line in the old file');
    renameSync(file, file + '.1');
    log.reopen();
    await until(() => existsSync(file), 'reopened log file');
    log.logger.info('after rotation');
    log.flush();
    await until(() => readFileSync(file, 'utf8').includes('after rotation'), 'line in the new file');
    assert.ok(readFileSync(file + '.1', 'utf8').includes('before rotation'));
    assert.ok(!readFileSync(file + '.1', 'utf8').includes('after rotation'));
  });

  test('levels filter', async () => {
    const file = join(dir, 'levels.log');
    const log = createLogger({ level: 'warn', file });
    log.logger.info('quiet');
    log.logger.warn('loud');
    await until(() => existsSync(file), 'log file');
    log.flush();
    await until(() => readFileSync(file, 'utf8').includes('loud'), 'warn line');
    assert.ok(!readFileSync(file, 'utf8').includes('quiet'));
  });
});
