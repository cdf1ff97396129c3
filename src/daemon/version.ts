/** sipkit's version and a Kamailio-style version line (`core.version`, `sipd --version`). */
import { arch, platform } from 'node:os';
import { PACKAGE_NAME, VERSION } from '../shared/package.js';

export { VERSION };

/** `sipd 0.1.0 (sipkit; x64/linux; node v20.20.2)`. */
export function versionLine(): string {
  return `sipd ${VERSION} (${PACKAGE_NAME}; ${arch()}/${platform()}; node ${process.version})`;
}
