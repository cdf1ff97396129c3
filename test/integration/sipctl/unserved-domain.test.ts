/**
 * `sipctl add` in a domain sipd does not serve (issue 16, "Domains"): the subscriber is added, and
 * a warning on stderr (under --json: result.warnings) says how to add the domain. Without sipd the
 * domain table and sipd's configured domains decide; with sipd running, its own domain list.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SipctlBox } from '../../helpers/sipctl.js';

const box = new SipctlBox({}, 'sipctl-dom-');
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
});

interface AddResult {
  subscriber: { aor: string };
  warnings: string[];
}

const defaultConf = () => join(box.dir, 'sipkit', 'sipd.conf');
const WARNING = /sipd does not serve the domain example\.org: .*add it with: sipctl domain add example\.org/;

test('without sipd: a domain neither configured nor in the domain table warns; the add happens', async () => {
  // sipctl reads sipd's default config file: $XDG_CONFIG_HOME/sipkit/sipd.conf (the box's dir).
  mkdirSync(join(box.dir, 'sipkit'));
  writeFileSync(defaultConf(), 'domains = ["example.com"]\n');
  const human = await box.ok(['add', 'alice@example.org', 'pw']);
  assert.match(human.stderr, new RegExp(`^Warning: ${WARNING.source}`, 'm'));
  assert.match(human.stdout, /added subscriber alice@example\.org/);
  const j = await box.json<AddResult>(['add', 'bob@example.org', 'pw']);
  assert.equal(j.warnings.length, 1);
  assert.match(j.warnings[0]!, WARNING);
  // localhost is one of the zero-config domains of a sipd without `domains` in its config.
  writeFileSync(defaultConf(), '# no domains: zero-config\n');
  assert.deepEqual((await box.json<AddResult>(['add', 'carol@localhost', 'pw'])).warnings, []);
  // Once the domain is in the table, no warning.
  await box.ok(['domain', 'add', 'example.org']);
  const after = await box.run(['add', 'dave@example.org', 'pw']);
  assert.equal(after.status, 0);
  assert.doesNotMatch(after.stderr, /Warning/);
});

test('with sipd running: its own domain list decides (config and table)', async () => {
  writeFileSync(join(box.dir, 'sipd.conf'), 'domains = ["example.com"]\n');
  await box.start();
  assert.deepEqual((await box.json<AddResult>(['add', 'erin@example.com', 'pw'])).warnings, []);
  assert.deepEqual((await box.json<AddResult>(['add', 'frank@example.org', 'pw'])).warnings, [], 'in the table');
  const j = await box.json<AddResult>(['add', 'gina@example.net', 'pw']);
  assert.match(j.warnings[0] ?? '', /sipd does not serve the domain example\.net/);
  await box.ok(['domain', 'add', 'example.net']);
  assert.deepEqual((await box.json<AddResult>(['add', 'hal@example.net', 'pw'])).warnings, []);
});
