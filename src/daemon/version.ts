/** sipkit's version and a Kamailio-style version line (`core.version`, `sipd --version`). */
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';

// dist/src/daemon/version.js → package root is three levels up (as in src/cli/launch.ts).
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

export const PACKAGE_NAME = pkg.name;
export const VERSION = pkg.version;

/** `sipd 0.1.0 (sipkit; x64/linux; node v20.20.2)`. */
export function versionLine(): string {
  return `sipd ${VERSION} (${PACKAGE_NAME}; ${arch()}/${platform()}; node ${process.version})`;
}
