import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Config } from '@oclif/core';
import { loadOptionsFor } from '../../../../src/cli/launch.js';
import { exitCodeDescriptions, sipTestExitCodeDescriptions } from '../../../../src/shared/exit-codes.js';
import { BINS, generateManPages } from '../../../../src/cli/docs/generate.js';
import { repoRoot } from '../../../helpers/fixtures.js';

const pages = await generateManPages();

test('the committed man pages match the commands (else: run `npm run docs`)', () => {
  for (const page of pages) {
    let committed: string;
    try {
      committed = readFileSync(join(repoRoot, page.path), 'utf8');
    } catch {
      assert.fail(`${page.path} is missing: run \`npm run docs\` and commit it`);
    }
    if (committed !== page.content) {
      const a = committed.split('\n');
      const b = page.content.split('\n');
      const i = a.findIndex((l, n) => l !== b[n]);
      const at = i === -1 ? Math.min(a.length, b.length) : i;
      assert.fail(
        `${page.path} is out of date: run \`npm run docs\` and commit the result.\n` +
          `first difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end)'}\n  generated: ${b[at] ?? '(end)'}`,
      );
    }
  }
});

test('each page documents every command of its own bin with its flags, and no other bin', async () => {
  const ids = new Map<string, string[]>();
  for (const bin of BINS) {
    const config = await Config.load(loadOptionsFor(bin, { manifest: 'scan' }));
    ids.set(
      bin,
      config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' ')),
    );
    const page = pages.find((p) => p.bin === bin)!;
    for (const cmd of config.commands.filter((c) => !c.hidden)) {
      const shown = cmd.id.replaceAll(':', ' ');
      assert.ok(page.content.includes(`.SS "${shown.replaceAll('-', '\\-')}"`), `${bin} ${shown} missing`);
      for (const f of Object.values(cmd.flags).filter((x) => !x.hidden)) {
        assert.ok(
          page.content.includes(`\\-\\-${f.name.replaceAll('-', '\\-')}`),
          `${bin} ${shown} --${f.name} missing`,
        );
      }
    }
  }
  for (const page of pages) {
    for (const [bin, list] of ids) {
      if (bin === page.bin) continue;
      for (const id of list.filter((x) => !ids.get(page.bin)!.includes(x))) {
        assert.ok(!page.content.includes(`.SS "${id.replaceAll('-', '\\-')}"`), `${page.path} lists ${bin} ${id}`);
      }
    }
  }
  assert.ok(ids.get('sipctl')!.includes('config'));
});

test('EXIT STATUS comes from src/shared/exit-codes.ts (SIPp codes for siptest)', () => {
  for (const page of pages) {
    const table = page.bin === 'siptest' ? sipTestExitCodeDescriptions : exitCodeDescriptions;
    const section = page.content.slice(page.content.indexOf('.SH EXIT STATUS'));
    const codes = [...section.matchAll(/^\.B (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(
      codes,
      table.map(([c]) => c),
      page.path,
    );
  }
});

test('sipctl(8) documents every resource-file key and the files it reads', () => {
  const sipctl = pages.find((p) => p.bin === 'sipctl')!.content;
  for (const key of ['SIP_DOMAIN', 'DBENGINE', 'DBRWPW', 'DB_PATH', 'SIPD_SOCKET', 'VERIFY_ACL', 'ACL_GROUPS']) {
    assert.ok(sipctl.includes(`\\fB${key}\\fR`), key);
  }
  assert.ok(sipctl.includes('.I "/etc/sipkit/sipctlrc"'));
  assert.ok(sipctl.includes('.I "~/.sipctlrc"'));
});

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

test('the pages are valid roff: groff reports no warnings', (t) => {
  if (!hasTool('groff')) return t.skip('groff is not installed (Debian: groff-base): roff validity not checked');
  for (const page of pages) {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page.content, encoding: 'utf8' });
    assert.equal(r.status, 0, `${page.path}: groff failed: ${r.stderr}`);
    assert.equal(r.stderr, '', `${page.path}: groff warnings:\n${r.stderr}`);
  }
});

test('man -l renders them with their sections', (t) => {
  if (!hasTool('man')) return t.skip('man is not installed: rendering not checked');
  for (const page of pages) {
    const r = spawnSync('man', ['-l', join(repoRoot, page.path)], {
      encoding: 'utf8',
      env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100', LANG: 'C.UTF-8' },
    });
    assert.equal(r.status, 0, r.stderr);
    const title = `${page.bin.toUpperCase()}(${page.path.split('.').pop()})`;
    for (const h of [title, 'NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'EXIT STATUS', 'SEE ALSO']) {
      assert.ok(r.stdout.includes(h), `${page.path}: "${h}" not in the rendered page`);
    }
    assert.doesNotMatch(r.stdout, /\\f[BIR]|\\-/, 'no raw escapes in the rendered text');
  }
});
