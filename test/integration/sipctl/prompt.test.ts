/**
 * sipctl's questions in a real pseudo-terminal (tmux): the missing user and the hidden password
 * asked twice for `add`, a mismatch retried by `passwd`, the confirmation of `rm`, and the live
 * `monitor` screen quit with q; and the same commands without a terminal failing fast (exit 2)
 * instead of waiting for an answer nobody can give.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { hasTmux, Pty } from '../../helpers/pty.js';
import { binPath } from '../../helpers/run-cli.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-pt-');
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
});

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sipctl = (...args: string[]) => [process.execPath, binPath('sipctl'), ...args];

function needTmux(t: { skip: (m: string) => void }): boolean {
  if (hasTmux()) return true;
  if (process.env.CI === 'true') assert.fail('tmux is required in CI');
  t.skip('tmux is not installed: the pseudo-terminal tests are skipped (apt-get install tmux)');
  return false;
}

function subscriber(username: string): { ha1: string } | undefined {
  const db = new Database(box.dbFile, { readonly: true });
  try {
    return db.prepare('SELECT ha1 FROM subscriber WHERE username = ?').get(username) as { ha1: string } | undefined;
  } finally {
    db.close();
  }
}

async function inPty(argv: string[], drive: (pty: Pty) => Promise<void>): Promise<{ status: number; screen: string }> {
  const pty = await Pty.start(argv, { env: box.fullEnv(), cwd: box.dir });
  try {
    await drive(pty);
    const status = await pty.waitExit(20_000);
    return { status, screen: await pty.screen() };
  } finally {
    await pty.close();
  }
}

describe('sipctl prompts', { timeout: 180_000 }, () => {
  test('add on a terminal: asks for the user, then the password twice without echo', async (t) => {
    if (!needTmux(t)) return;
    const { status, screen } = await inPty(sipctl('add'), async (pty) => {
      await pty.waitFor('User (user@domain)');
      await pty.type('alice', 'Enter');
      await pty.waitFor(/Password for alice@example\.com(?! \(again\))/);
      await pty.type('Tty-s3cret', 'Enter');
      await pty.waitFor('(again)');
      await pty.type('Tty-s3cret', 'Enter');
    });
    assert.equal(status, 0, screen);
    assert.match(screen, /added subscriber alice@example\.com/);
    assert.ok(!screen.includes('Tty-s3cret'), `the password was echoed:\n${screen}`);
    assert.equal(subscriber('alice')?.ha1, md5('alice:example.com:Tty-s3cret'));
  });

  test('passwd on a terminal: entries that differ are asked again', async (t) => {
    if (!needTmux(t)) return;
    const { status, screen } = await inPty(sipctl('passwd', 'alice'), async (pty) => {
      await pty.waitFor('New password for alice@example.com');
      await pty.type('first-try', 'Enter');
      await pty.waitFor('(again)');
      await pty.type('typo', 'Enter');
      await pty.waitFor('do not match');
      await pty.type('second-try', 'Enter');
      await pty.waitFor(/\(again\)[\s\S]*do not match[\s\S]*\(again\)/);
      await pty.type('second-try', 'Enter');
    });
    assert.equal(status, 0, screen);
    assert.equal(subscriber('alice')?.ha1, md5('alice:example.com:second-try'));
  });

  test('rm on a terminal: "no" keeps the subscriber (exit 1), "yes" removes it', async (t) => {
    if (!needTmux(t)) return;
    await box.ok(['add', 'bob', 'pw']);
    const no = await inPty(sipctl('rm', 'bob'), async (pty) => {
      await pty.waitFor('Remove subscriber bob@example.com');
      await pty.type('n', 'Enter');
    });
    assert.equal(no.status, ExitCode.FAILED, no.screen);
    assert.match(no.screen, /cancelled: nothing was changed/);
    assert.ok(subscriber('bob'), 'still there');
    const yes = await inPty(sipctl('rm', 'bob'), async (pty) => {
      await pty.waitFor('Remove subscriber bob@example.com');
      await pty.type('y', 'Enter');
    });
    assert.equal(yes.status, 0, yes.screen);
    assert.equal(subscriber('bob'), undefined);
  });

  test('without a terminal the same commands fail fast with exit 2 and say what to pass', async () => {
    const t0 = Date.now();
    const noUser = await box.run(['add'], { keepStdinOpen: true });
    assert.equal(noUser.status, ExitCode.USAGE, noUser.stderr);
    assert.match(noUser.stderr, /missing argument USER \(not asking: stdin or stdout is not a terminal\)/);
    const noPw = await box.run(['add', 'carol'], { keepStdinOpen: true });
    assert.equal(noPw.status, ExitCode.USAGE);
    assert.match(noPw.stderr, /missing argument PASSWORD/);
    assert.match(noPw.stderr, /--password-stdin/);
    const json = await box.run(['passwd', 'alice', '--json'], { keepStdinOpen: true });
    assert.equal(json.status, ExitCode.USAGE);
    assert.equal(json.json().error?.code, 'USAGE');
    const noYes = await box.run(['rm', 'alice'], { keepStdinOpen: true });
    assert.equal(noYes.status, ExitCode.USAGE);
    assert.match(noYes.stderr, /pass --yes/);
    assert.ok(subscriber('alice'), 'nothing removed');
    assert.equal(subscriber('carol'), undefined, 'nothing added');
    // Four commands, none waiting on the open stdin (each would hang until the 30 s kill otherwise).
    assert.ok(Date.now() - t0 < 25_000, `took ${Date.now() - t0} ms`);
  });

  test('monitor on a terminal: a refreshing screen of counters, q quits with exit 0', async (t) => {
    if (!needTmux(t)) return;
    await box.start(['--domain', 'example.com']);
    const { status, screen } = await inPty(sipctl('monitor', '--interval', '1'), async (pty) => {
      await pty.waitFor(/sipd \S+ .* — up \d/);
      await pty.waitFor(/registered users\s*\S?\s*0/);
      await pty.type('q');
    });
    assert.equal(status, 0, screen);
    assert.match(screen, /COUNTER.*VALUE.*PER SECOND.*NAME/);
    assert.match(screen, /requests received.*core\.rcv_requests/);
    assert.match(screen, /q or Ctrl-C to quit/);
  });
});
