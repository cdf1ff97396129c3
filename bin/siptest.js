#!/usr/bin/env node
'use strict';
// SIPp's SIGUSR1 is a soft quit. Without a listener Node would start its inspector instead, so
// listen before the imports; the runner takes over and honours what arrived meanwhile.
const early = [];
const onEarly = (signal) => early.push(signal);
process.on('SIGUSR1', onEarly);
globalThis.siptestEarlySignals = { list: early, stop: () => process.off('SIGUSR1', onEarly) };

const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { requireCached } = require('./load.js');

const dist = join(__dirname, '..', 'dist');

/**
 * The runner and the argv routing as one CommonJS file (`npm run build` bundles them,
 * src/loadgen/bin-entry.ts: one file to require instead of a hundred ES modules), unless a later
 * `tsc` made it stale; then the compiled modules themselves. `variant` names its code cache.
 */
async function siptestModules(variant) {
  const bundle = join(dist, 'src', 'loadgen', 'main.bundle.cjs');
  try {
    if (statSync(bundle).mtimeMs >= statSync(join(dist, '.tsbuildinfo')).mtimeMs) return requireCached(bundle, variant);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    /* no bundle (or no build info): the modules */
  }
  return { exports: await import(pathToFileURL(join(dist, 'src', 'loadgen', 'bin-entry.js')).href), done() {} };
}

async function main() {
  if (process.argv.length === 3 && process.argv[2] === '-v') {
    // `siptest -v` alone, as scripts probe for it: SIPp's answer (exit 99) from the one small
    // module that holds the text, without loading the runner's bundle.
    const { versionText } = await import('../dist/src/loadgen/version.js');
    process.stdout.write(versionText());
    process.exit(99);
  }
  // SIPp's command line (not one of siptest's own commands, see src/loadgen/cli-route.ts) keeps
  // a code cache of its own, written only after a run of the engine: the build's help step
  // (`siptest <command> --help`) or a first `siptest -sd uac` wrote a cache without the engine,
  // which V8 took, so every later run compiled the engine lazily before its first INVITE.
  const sippStyle = !['run', 'scenario', 'help', '--help', '--version'].includes(process.argv[2]);
  const modules = await siptestModules(sippStyle ? 'run' : 'cli');
  const { routeSiptestArgv, main: run, engineRan } = modules.exports;
  const args = routeSiptestArgv(process.argv.slice(2));
  if (args[0] === 'run' && args[1] === '--' && process.argv[2] !== 'run') {
    // SIPp's command line: straight to the runner, without oclif (start-up time: scripts start a
    // background UAS and send to it a second later).
    process.exitCode = await run(args.slice(2));
  } else {
    const { launch } = await import('../dist/src/cli/launch.js');
    await launch('siptest', args);
  }
  if (!sippStyle || engineRan()) modules.done();
  // A finished run may leave nothing but closed sockets behind; exit with SIPp's code at once.
  process.exit(process.exitCode ?? 0);
}

void main();
