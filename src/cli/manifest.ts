/**
 * Writes dist/oclif/<bin>/oclif.manifest.json for each bin (run by `npm run build` after tsc).
 * Without a manifest oclif imports every command module of a bin at each start, so `sipctl
 * --version` would pay for the imports of all ~40 sipctl commands (and the database drivers they
 * pull in); with it, a run imports only the command it executes. Each manifest sits in the bin's
 * own oclif root, so no bin can see another's (the pitfall of a root oclif.manifest.json).
 *   node dist/src/cli/manifest.js
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, type Interfaces } from '@oclif/core';
import { loadOptionsFor, manifestPathFor, type BinName } from './launch.js';

export const BIN_NAMES: readonly BinName[] = ['sipd', 'sipctl', 'siptest'];

/** The manifest oclif would build by scanning `bin`'s commands, with paths relative to the bin's root. */
export async function buildManifest(bin: BinName): Promise<{ version: string; commands: Record<string, unknown> }> {
  const config = await Config.load(loadOptionsFor(bin, { manifest: 'write' }));
  const root = config.getPluginsList().find((p) => p.isRoot) as unknown as { manifest?: Interfaces.Manifest };
  const manifest = root?.manifest;
  if (!manifest) throw new Error(`no manifest for ${bin}`);
  return { version: manifest.version, commands: manifest.commands as Record<string, unknown> };
}

export async function writeManifests(): Promise<string[]> {
  const written: string[] = [];
  for (const bin of BIN_NAMES) {
    const file = manifestPathFor(bin);
    // oclif reads a manifest it finds in the root even when told to ignore it: without removing the
    // old one first, a rebuild after `npx tsc` (no clean dist/) would write back the stale list.
    rmSync(file, { force: true });
    const manifest = await buildManifest(bin);
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename: a bin starting meanwhile reads the old file or the new one, never half.
    writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
    renameSync(`${file}.${process.pid}.tmp`, file);
    written.push(file);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of await writeManifests()) process.stdout.write(`wrote ${f}\n`);
}
