import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Config } from '@oclif/core';
import { binRootFor, loadOptionsFor, manifestIsFresh } from '../../../src/cli/launch.js';
import { packageRoot } from '../../../src/shared/package.js';
import { BIN_NAMES, buildManifest } from '../../../src/cli/manifest.js';

test('each bin manifest lists exactly the commands a scan finds, with paths from the bin root', async () => {
  for (const bin of BIN_NAMES) {
    const scanned = await Config.load(loadOptionsFor(bin, { manifest: 'scan' }));
    const manifest = await buildManifest(bin);
    // The manifest keys each command once; oclif lists its aliases (sipctl fifo = rpc) as commands too.
    const aliases = new Set(scanned.commands.flatMap((c) => c.aliases));
    const ids = scanned.commands.map((c) => c.id).filter((id) => !aliases.has(id));
    assert.deepEqual(Object.keys(manifest.commands).sort(), ids.sort(), bin);
    for (const [id, c] of Object.entries(manifest.commands) as Array<
      [string, { relativePath: string[]; isESM: boolean }]
    >) {
      const file = join(binRootFor(bin), ...c.relativePath);
      assert.ok(file.startsWith(join(packageRoot, 'dist', 'commands', bin)), `${bin} ${id}: ${file}`);
      assert.ok(existsSync(file), `${bin} ${id}: ${file} missing`);
      assert.equal(c.isESM, true);
    }
  }
});

test('scan mode uses the package root; manifest mode the bin root, so no bin reads another manifest', () => {
  assert.equal((loadOptionsFor('sipctl', { manifest: 'scan' }) as { root: string }).root, packageRoot);
  const w = loadOptionsFor('sipctl', { manifest: 'write' }) as {
    root: string;
    pjson: { oclif: Record<string, unknown> };
  };
  assert.equal(w.root, binRootFor('sipctl'));
  assert.equal(w.pjson.oclif.commands, './../../commands/sipctl');
  assert.notEqual(binRootFor('sipd'), binRootFor('sipctl'));
});

const dir = mkdtempSync(join(tmpdir(), 'sipkit-manifest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a manifest older than the last compile is ignored (a new command is never missed)', () => {
  const manifest = join(dir, 'oclif.manifest.json');
  const buildInfo = join(dir, '.tsbuildinfo');
  assert.equal(manifestIsFresh('sipctl', { manifest, newerThan: [buildInfo] }), false, 'no manifest');
  writeFileSync(manifest, '{}');
  assert.equal(
    manifestIsFresh('sipctl', { manifest, newerThan: [buildInfo] }),
    true,
    'installed package: no .tsbuildinfo',
  );
  writeFileSync(buildInfo, '');
  utimesSync(buildInfo, new Date(1_000_000), new Date(1_000_000));
  utimesSync(manifest, new Date(2_000_000), new Date(2_000_000));
  assert.equal(manifestIsFresh('sipctl', { manifest, newerThan: [buildInfo] }), true, 'written after the compile');
  utimesSync(buildInfo, new Date(3_000_000), new Date(3_000_000));
  assert.equal(manifestIsFresh('sipctl', { manifest, newerThan: [buildInfo] }), false, 'tsc ran after it');
});
