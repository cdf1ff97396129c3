/** Paths of and byte-exact access to test/fixtures (tests run from dist/test, fixtures stay in test/). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (dist/test/helpers → three levels up). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

export function fixture(...parts: string[]): Buffer {
  return readFileSync(join(fixturesDir, ...parts));
}
