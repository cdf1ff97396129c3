#!/usr/bin/env node
// SIPp's SIGUSR1 is a soft quit. Without a listener Node would start its inspector instead, so
// listen before the (slow) imports; the runner takes over and honours what arrived meanwhile.
const early = [];
const onEarly = (signal) => early.push(signal);
process.on('SIGUSR1', onEarly);
globalThis.siptestEarlySignals = { list: early, stop: () => process.off('SIGUSR1', onEarly) };

const { launch } = await import('../dist/src/cli/launch.js');
const { routeSiptestArgv } = await import('../dist/src/loadgen/cli-route.js');

await launch('siptest', process.argv.slice(2), routeSiptestArgv);
// A finished run may leave nothing but closed sockets behind; exit with SIPp's code at once.
process.exit(process.exitCode ?? 0);
