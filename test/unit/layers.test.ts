/**
 * The layer rules of eslint.config.js bite: deliberate violations in each folder are reported by
 * no-restricted-imports, allowed imports are not. (That the tree itself obeys them is checked by
 * the lint run of `npm test`; this checks that the rules are there and mean what README says.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { packageRoot } from '../../src/shared/package.js';

// Only the rule under test: the other rules would flag the unused imports of the snippets.
const eslint = new ESLint({ cwd: packageRoot, ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' });

/** The no-restricted-imports messages for `code` as if it were the file `file` (under src/). */
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(packageRoot, file) });
  assert.ok(result, `no lint result for ${file}`);
  assert.deepEqual(
    result.messages.filter((m) => m.ruleId !== 'no-restricted-imports').map((m) => m.message),
    [],
    `${file}: other problems`,
  );
  return result.messages.filter((m) => m.severity === 2).map((m) => m.message);
}

const violations: Array<[string, string, string]> = [
  ['daemon → cli', 'src/daemon/lifecycle/x.ts', "import { launch } from '../../cli/launch.js';"],
  ['core → store', 'src/core/message/x.ts', "import { openStore } from '../../store/index.js';"],
  ['core → shared', 'src/core/x.ts', "import { CliError } from '../shared/errors.js';"],
  ['core → mysql2', 'src/core/x.ts', "import mysql from 'mysql2';"],
  ['core → ws', 'src/core/transport/x.ts', "import { WebSocket } from 'ws';"],
  ['core → wsnet', 'src/core/transport/x.ts', "import { listenWs } from '../../wsnet/index.js';"],
  ['wsnet → daemon', 'src/wsnet/x.ts', "import { VERSION } from '../daemon/version.js';"],
  ['wsnet → shared', 'src/wsnet/x.ts', "import { CliError } from '../shared/errors.js';"],
  ['store → daemon', 'src/store/ops/x.ts', "import type { Binding } from '../../daemon/registrar/binding.js';"],
  ['ctl → cli', 'src/ctl/x.ts', "import type { SipctlSettings } from '../cli/rc.js';"],
  ['ctl → daemon internals', 'src/ctl/x.ts', "import { loadConfig } from '../daemon/config/load.js';"],
  ['loadgen → daemon', 'src/loadgen/engine/x.ts', "import { VERSION } from '../../daemon/version.js';"],
  ['shared → core', 'src/shared/x.ts', "import { parseUri } from '../core/index.js';"],
  ['mgmt → daemon', 'src/mgmt/x.ts', "export type { SipdConfig } from '../daemon/config/load.js';"],
  ['cli → daemon lifecycle', 'src/cli/x.ts', "import { runDaemon } from '../daemon/lifecycle/run.js';"],
];

for (const [name, file, code] of violations) {
  test(`layers: ${name} is an error`, async () => {
    const messages = await restricted(file, code);
    assert.equal(messages.length, 1, `${name}: ${JSON.stringify(messages)}`);
    assert.match(messages[0]!, /is restricted from being used by a pattern/);
  });
}

const allowed: Array<[string, string, string]> = [
  [
    'daemon → core, store, mgmt, shared',
    'src/daemon/routing/x.ts',
    "import { parseUri } from '../../core/index.js';\nimport type { Store } from '../../store/index.js';\nimport { RpcError } from '../../mgmt/protocol.js';\nimport { CliError } from '../../shared/errors.js';",
  ],
  [
    'ctl → store, mgmt, core, shared',
    'src/ctl/x.ts',
    "import { openStore } from '../store/index.js';\nimport { MgmtClient } from '../mgmt/client.js';\nimport { isSipUri } from '../core/index.js';\nimport { ExitCode } from '../shared/exit-codes.js';",
  ],
  [
    'cli → ctl and daemon config',
    'src/cli/x.ts',
    "import { startDaemon } from '../ctl/daemon-control.js';\nimport { loadConfig } from '../daemon/config/load.js';",
  ],
  [
    'wsnet → core and ws',
    'src/wsnet/x.ts',
    "import { WsTransport } from '../core/index.js';\nimport { WebSocket } from 'ws';",
  ],
  ['daemon → wsnet', 'src/daemon/x.ts', "import { listenWs } from '../wsnet/index.js';"],
  ['loadgen → wsnet', 'src/loadgen/transport/x.ts', "import { dialSip } from '../../wsnet/index.js';"],
  [
    'a layer → itself and node:*',
    'src/core/message/x.ts',
    "import { parseUri } from '../grammar/uri.js';\nimport { createHash } from 'node:crypto';",
  ],
  [
    'daemon → its own mgmt folder',
    'src/daemon/usrloc/x.ts',
    "import type { MethodRegistry } from '../mgmt/registry.js';",
  ],
];

for (const [name, file, code] of allowed) {
  test(`layers: ${name} is allowed`, async () => {
    assert.deepEqual(await restricted(file, code), []);
  });
}
