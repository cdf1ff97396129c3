/**
 * Secrets in sipctl: password hashes are password equivalents, so no --json output carries them
 * (ha1, ha1b, ha1_sha256, nor a password field) unless --show-secrets is given; and a password
 * given as an argument (kamctl's habit) still works but, on a terminal, gets a one-line warning on
 * stderr suggesting --password-stdin. Real sipctl runs on an SQLite database; the terminal is tmux.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hasTmux, Pty } from '../../helpers/pty.js';
import { binPath } from '../../helpers/run-cli.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const D = 'example.com';
const box = new SipctlBox({ SIP_DOMAIN: D }, 'sipctl-secrets-');
after(() => box.cleanup());

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A hash field, or a password field that is neither empty nor the mask. */
const HASH_KEY = /"(ha1|ha1b|ha1Sha256|ha1_sha256)":|"password":\s*"(?!\*\*\*"|")/;
const WARNING = /password on the command line is visible to other local users.*--password-stdin/;

/** Every hash of alice's password that the database holds. */
const aliceHashes = [md5(`alice:${D}:alice-pw`), md5(`alice@${D}:${D}:alice-pw`), sha256(`alice:${D}:alice-pw`)];

describe('--json output without secrets', () => {
  before(async () => {
    // The domain first, as an operator does it: `add` warns about a domain sipd does not serve.
    await box.ok(['domain', 'add', D]);
    await box.ok(['add', `alice@${D}`, '--password-stdin'], { input: 'alice-pw\n' });
  });

  const commands: string[][] = [
    ['show', `alice@${D}`],
    ['show'],
    ['list'],
    ['list', '--domain', D],
    ['db', 'show', 'subscriber'],
    ['alias', 'add', `al@${D}`, `alice@${D}`, '--no-reload'],
    ['alias', 'list'],
    ['passwd', `alice@${D}`, 'alice-pw', '--no-reload'],
  ];

  test('show, list, db show, alias, passwd, add, rm: no hash field and no hash value', async () => {
    for (const args of commands) {
      const r = await box.ok([...args, '--json']);
      assert.doesNotMatch(r.stdout, HASH_KEY, `sipctl ${args.join(' ')} --json`);
      for (const h of aliceHashes) assert.ok(!r.stdout.includes(h), `sipctl ${args.join(' ')} --json shows a hash`);
    }
    const add = await box.ok(['add', `bob@${D}`, 'bob-pw', '--no-reload', '--json']);
    assert.doesNotMatch(add.stdout, HASH_KEY);
    assert.ok(!add.stdout.includes(md5(`bob:${D}:bob-pw`)));
    assert.equal(JSON.parse(add.stdout).result.subscriber.aor, `bob@${D}`, 'the rest of the result is there');
    const rm = await box.ok(['rm', `bob@${D}`, '--yes', '--no-reload', '--json']);
    assert.doesNotMatch(rm.stdout, HASH_KEY);
    // SIPCTL_CONTENT_TYPE=json is --json without the flag: the same rule.
    const env = await box.ok(['show', `alice@${D}`], { env: { SIPCTL_CONTENT_TYPE: 'json' } });
    assert.equal(JSON.parse(env.stdout).status, 0);
    assert.doesNotMatch(env.stdout, HASH_KEY);
  });

  test('--show-secrets puts them in', async () => {
    type View = { ha1: string; ha1b: string; ha1Sha256: string | null };
    const shown = await box.json<{ subscribers: View[] }>(['show', `alice@${D}`, '--show-secrets']);
    assert.equal(shown.subscribers[0]!.ha1, aliceHashes[0]);
    assert.equal(shown.subscribers[0]!.ha1b, aliceHashes[1]);
    const listed = await box.json<{ subscribers: View[] }>(['list', '--show-secrets']);
    assert.ok(listed.subscribers.some((s) => s.ha1 === aliceHashes[0]));
    const dump = await box.json<{ columns: string[]; rows: Array<Record<string, unknown>> }>([
      'db',
      'show',
      'subscriber',
      '--show-secrets',
    ]);
    assert.ok(dump.columns.includes('ha1') && dump.columns.includes('ha1b'));
    assert.ok(dump.rows.some((r) => r.ha1 === aliceHashes[0]));
  });

  test('human output of show and db show: no hash unless --show-secrets', async () => {
    for (const args of [['show', `alice@${D}`], ['db', 'show', 'subscriber'], ['show'], ['list']]) {
      const r = await box.ok(args);
      for (const h of aliceHashes) assert.ok(!r.stdout.includes(h), `sipctl ${args.join(' ')} shows a hash`);
    }
    const hidden = await box.ok(['show', `alice@${D}`]);
    assert.match(hidden.stdout, /^ha1:\s+\(hidden: --show-secrets prints it\)$/m);
    const shown = await box.ok(['show', `alice@${D}`, '--show-secrets']);
    assert.match(shown.stdout, new RegExp(`^ha1:\\s+${aliceHashes[0]}$`, 'm'));
    const table = await box.ok(['db', 'show', 'subscriber', '--show-secrets']);
    assert.ok(table.stdout.includes(aliceHashes[0]), 'db show --show-secrets: the hashes');
  });
});

describe('a password on the command line', () => {
  test('without a terminal: accepted, no warning', async () => {
    const r = await box.ok(['add', `carol@${D}`, 'carol-pw', '--no-reload']);
    assert.match(r.stdout, /added subscriber carol@example\.com/);
    assert.doesNotMatch(r.stderr, WARNING);
    assert.equal(r.stderr, '');
    const p = await box.ok(['passwd', `carol@${D}`, 'carol-pw2', '--no-reload']);
    assert.equal(p.stderr, '');
  });

  async function inPty(argv: string[]): Promise<{ status: number; screen: string }> {
    const pty = await Pty.start([process.execPath, binPath('sipctl'), ...argv], { env: box.fullEnv(), cwd: box.dir });
    try {
      const status = await pty.waitExit(20_000);
      return { status, screen: await pty.screen() };
    } finally {
      await pty.close();
    }
  }

  test('on a terminal: add and passwd work and warn once, on one line', { timeout: 90_000 }, async (t) => {
    if (!hasTmux()) {
      if (process.env.CI === 'true') assert.fail('tmux is required in CI');
      t.skip('tmux is not installed');
      return;
    }
    const add = await inPty(['add', `dave@${D}`, 'dave-pw', '--no-reload']);
    assert.equal(add.status, 0, add.screen);
    assert.match(add.screen, /added subscriber dave@example\.com/);
    assert.equal(add.screen.split('\n').filter((l) => WARNING.test(l)).length, 1, add.screen);
    const passwd = await inPty(['passwd', `dave@${D}`, 'dave-pw2', '--no-reload']);
    assert.equal(passwd.status, 0, passwd.screen);
    assert.match(passwd.screen, WARNING);
    const shown = await box.json<{ subscribers: Array<{ ha1: string }> }>(['show', `dave@${D}`, '--show-secrets']);
    assert.equal(shown.subscribers[0]!.ha1, md5(`dave:${D}:dave-pw2`), 'the password was set');
    // The prompt, or a password that is not an argument, draws no warning.
    const rm = await inPty(['rm', `dave@${D}`, '--yes', '--no-reload']);
    assert.equal(rm.status, 0, rm.screen);
    assert.doesNotMatch(rm.screen, WARNING);
  });
});
