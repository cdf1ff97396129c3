/**
 * Builds the optional batched-UDP addon (udp_batch.c -> build/Release/udp_batch.node) with npm's
 * own node-gyp. Run by `npm install`/`npm ci` (the "install" script) and by `npm run build`.
 *
 * It never fails: without Linux, a C compiler, Python or node-gyp, it prints one line and exits 0,
 * and sipkit uses node:dgram (src/core/transport/native-udp.ts loads the addon or returns null).
 * It skips the build when the .node file is newer than the sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'build/Release/udp_batch.node');
const sources = ['native/udp_batch.c', 'native/callid_steer.c', 'native/callid_steer.h', 'binding.gyp'].map((f) =>
  join(root, f),
);

function skip(why) {
  console.log(`sipkit: batched UDP addon not built (${why}); UDP uses node:dgram`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`${process.platform} is not Linux`);
if (existsSync(out) && sources.every((f) => statSync(f).mtimeMs <= statSync(out).mtimeMs)) process.exit(0);

// npm's bundled node-gyp: npm_execpath (under npm) is .../npm/bin/npm-cli.js; else next to node.
const candidates = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath && join(dirname(dirname(process.env.npm_execpath)), 'node_modules/node-gyp/bin/node-gyp.js'),
  join(dirname(dirname(process.execPath)), 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gyp = candidates.find((p) => existsSync(p));
if (!gyp) skip('node-gyp not found');

// Headers installed with node (/usr/include/node) spare node-gyp a download.
const args = [gyp, 'rebuild'];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h')))
  args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
if (r.status !== 0) {
  // The first line that names the failure (a missing compiler shows as a Python traceback).
  const lines = `${r.stderr ?? ''}${r.error?.message ?? ''}`.split('\n').map((l) => l.trim());
  const why = lines.find((l) => /error/i.test(l) && !/^gyp ERR! not ok/.test(l)) ?? `exit ${r.status}`;
  skip(`node-gyp failed: ${why.slice(0, 200)}`);
}
