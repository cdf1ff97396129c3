#!/usr/bin/env node
import { launch } from '../dist/src/cli/launch.js';
import { routeSiptestArgv } from '../dist/src/loadgen/cli-route.js';

await launch('siptest', process.argv.slice(2), routeSiptestArgv);
// A finished run may leave nothing but closed sockets behind; exit with SIPp's code at once.
process.exit(process.exitCode ?? 0);
