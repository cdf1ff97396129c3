/** The store contract against SQLite: a fresh database file per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { coreContract } from './contract-core.js';
import { moreContract } from './contract-more.js';
import { harness } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sipkit-store-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

describe('store contract: sqlite', () => {
  const h = harness({ name: 'sqlite', freshUrl: async () => `sqlite:${join(dir, `t${++n}.db`)}` });
  coreContract(h);
  moreContract(h);
});
