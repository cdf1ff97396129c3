/**
 * A database written by sipctl holds the HA1 values kamctl computes: ha1 = md5sum of
 * "user:domain:password" and ha1b = md5sum of "user@domain:domain:password" (kamctl's _gen_ha1 /
 * _gen_ha1b, realm = domain), checked against the md5sum tool and against the real kamctl
 * (Kamailio 5.6, sqlite backend) adding the same user to a database sipctl created.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { kamailioSchemaSql, kamailioScriptsMissing } from '../../helpers/kamailio.js';
import { runBin } from '../../helpers/run-cli.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({}, 'sipctl-ha1-');
after(() => box.cleanup());

const md5sum = (text: string) =>
  execFileSync('md5sum', { input: Buffer.from(text, 'utf8') })
    .toString()
    .split(' ')[0];

const CASES: Array<[string, string, string]> = [
  ['alice', 'example.com', 'alice-pw'],
  ['1001', 'sip.example.org', 'Pässwörd-42'],
  ['bob.smith', '192.0.2.10', 'with space and symbols #%&*'],
];

function row(file: string, user: string, domain: string): { ha1: string; ha1b: string } {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT ha1, ha1b FROM subscriber WHERE username = ? AND domain = ?').get(user, domain) as {
      ha1: string;
      ha1b: string;
    };
  } finally {
    db.close();
  }
}

test('sipctl add stores ha1/ha1b equal to md5sum of user:domain:password and user@domain:domain:password', async () => {
  for (const [user, domain, pw] of CASES) {
    await box.ok(['add', `${user}@${domain}`, '--password-stdin'], { input: `${pw}\n` });
    const r = row(box.dbFile, user, domain);
    assert.equal(r.ha1, md5sum(`${user}:${domain}:${pw}`), `ha1 of ${user}@${domain}`);
    assert.equal(r.ha1b, md5sum(`${user}@${domain}:${domain}:${pw}`), `ha1b of ${user}@${domain}`);
  }
});

test('the same user added by kamctl (sqlite backend) gets the same ha1 and ha1b; sipctl reads kamctl rows', async (t) => {
  const kamctl = spawnSync('kamctl', ['version'], { stdio: 'ignore' });
  const sqlite3 = spawnSync('sqlite3', ['-version'], { stdio: 'ignore' });
  if (kamctl.error || sqlite3.error) {
    t.skip('kamctl or sqlite3 is not installed (apt-get install kamailio kamailio-sqlite-modules sqlite3)');
    return;
  }
  // A second database, created by sipctl, that kamctl writes into.
  const kamDb = join(box.dir, 'kamctl.db');
  await box.ok(['db', 'init', '--db-url', `sqlite:${kamDb}`]);
  writeFileSync(
    join(box.dir, '.kamctlrc'),
    `DBENGINE=SQLITE\nDB_PATH=${kamDb}\nSTORE_PLAINTEXT_PW=0\nVERIFY_ACL=0\nALIASES_TYPE=""\n`,
  );
  for (const [user, domain, pw] of CASES.slice(0, 2)) {
    const r = spawnSync('kamctl', ['add', `${user}@${domain}`, pw], {
      env: { ...process.env, HOME: box.dir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.status, 0, `kamctl add failed: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /new user .* added/);
    assert.deepEqual(row(kamDb, user, domain), row(box.dbFile, user, domain), `${user}@${domain}`);
    // sipctl reads a row kamctl wrote.
    const shown = await box.json<{ subscribers: Array<{ ha1: string }> }>([
      'show',
      `${user}@${domain}`,
      '--db-url',
      `sqlite:${kamDb}`,
      '--show-secrets',
    ]);
    assert.equal(shown.subscribers[0].ha1, md5sum(`${user}:${domain}:${pw}`));
  }
});

test('the bench contract: add USER@DOMAIN --password-stdin --db-url sqlite:PATH, new file or Kamailio-made', async (t) => {
  // Exactly as test/bench/lib/sipd.ts runs it: the full command line, the password on stdin.
  const fresh = join(box.dir, 'bench-fresh.db');
  const add = (file: string) =>
    runBin('sipctl', ['add', 'callee@bench.test', '--password-stdin', '--db-url', `sqlite:${file}`], {
      env: box.fullEnv(),
      input: 'callee-pw\n',
    });
  const r = await add(fresh);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(row(fresh, 'callee', 'bench.test').ha1, md5sum('callee:bench.test:callee-pw'));
  const missing = kamailioScriptsMissing('db_sqlite');
  if (missing) {
    t.skip(missing);
    return;
  }
  const kam = join(box.dir, 'bench-kamailio.db');
  const db = new Database(kam);
  db.exec(kamailioSchemaSql('db_sqlite'));
  db.close();
  const k = await add(kam);
  assert.equal(k.status, 0, `sipctl refused a Kamailio-created database: ${k.stderr}`);
  assert.equal(row(kam, 'callee', 'bench.test').ha1b, md5sum('callee@bench.test:bench.test:callee-pw'));
});
