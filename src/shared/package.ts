/**
 * The sipkit package: where it is installed and its package.json, found and read once. The root
 * is found by walking up from this module to the package.json named "sipkit", not by counting
 * '..': the compiled file sits at dist/src/shared/ today, but a moved module or another build
 * layout must not make the daemon controller spawn a missing bin/sipd.js. Everything else that
 * needs package.json (the name and version, the CLI's oclif block) takes it from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  [key: string]: unknown;
}

export interface FoundPackage {
  /** The directory holding package.json. */
  root: string;
  /** package.json, parsed. */
  json: PackageJson;
}

/** The nearest package.json at or above `start` named `name`, with its directory; each file is read once. */
export function findPackage(start: string, name = 'sipkit'): FoundPackage {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (json.name === name) return { root: dir, json };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json named ${name} above ${start}`);
  }
}

const sipkit = findPackage(dirname(fileURLToPath(import.meta.url)));

export const packageRoot = sipkit.root;
/** sipkit's package.json as read at start-up (shared: do not modify). */
export const packageJson: Readonly<PackageJson> = sipkit.json;
export const PACKAGE_NAME = sipkit.json.name;
export const VERSION = sipkit.json.version;
