/**
 * What bin/siptest.js needs of the runner, as one module: `npm run build` bundles it into one
 * CommonJS file (dist/src/loadgen/main.bundle.cjs), which the bin loads with require(), so that
 * a SIPp-style command line reaches its first packet without ES module loader work (issue 15:
 * start-up within 2× a bare `node -e 0`). The runner's lazy imports stay lazy inside the bundle.
 * The bundle is written without comments and indentation (--minify-whitespace, names kept): a
 * third smaller, and ASCII only, where the comments' µ, → and § made V8 hold the whole source as
 * a two-byte string, slower to read and to scan.
 */
export { routeSiptestArgv } from './cli-route.js';
export { engineRan, main } from './main.js';
