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

const dist = join(__dirname, '..', 'dist');

/**
 * The runner as one file (`npm run build` bundles it: one module to load instead of a hundred),
 * unless a later `tsc` made it stale; then the compiled modules themselves.
 */
function siptestMain() {
  const bundle = join(dist, 'src', 'loadgen', 'main.bundle.js');
  try {
    if (statSync(bundle).mtimeMs >= statSync(join(dist, '.tsbuildinfo')).mtimeMs) return pathToFileURL(bundle).href;
  } catch {
    /* no bundle (or no build info): the modules */
  }
  return '../dist/src/loadgen/main.js';
}

async function main() {
  if (process.argv.length === 3 && process.argv[2] === '-v') {
    // `siptest -v` alone, as scripts probe for it: SIPp's answer (exit 99) from the one small
    // module that holds the text, without loading the runner's bundle.
    const { versionText } = await import('../dist/src/loadgen/version.js');
    process.stdout.write(versionText());
    process.exit(99);
  }
  const { routeSiptestArgv } = await import('../dist/src/loadgen/cli-route.js');
  const args = routeSiptestArgv(process.argv.slice(2));
  if (args[0] === 'run' && args[1] === '--' && process.argv[2] !== 'run') {
    // SIPp's command line: straight to the runner, without oclif (start-up time: scripts start a
    // background UAS and send to it a second later).
    const { main: run } = await import(siptestMain());
    process.exitCode = await run(args.slice(2));
  } else {
    const { launch } = await import('../dist/src/cli/launch.js');
    await launch('siptest', args);
  }
  // A finished run may leave nothing but closed sockets behind; exit with SIPp's code at once.
  process.exit(process.exitCode ?? 0);
}

void main();
