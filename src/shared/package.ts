/**
 * Where the sipkit package is installed, and its name and version. Found once by walking up from
 * this module to the package.json named "sipkit", not by counting '..': the compiled file sits at
 * dist/src/shared/ today, but a moved module or another build layout must not make the daemon
 * controller spawn a missing bin/sipd.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name: string;
  version: string;
}

/** The nearest directory at or above `start` whose package.json is named `name`. */
export function findPackageRoot(start: string, name = 'sipkit'): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Manifest).name === name) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json named ${name} above ${start}`);
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as Manifest;

export const PACKAGE_NAME = manifest.name;
export const VERSION = manifest.version;
