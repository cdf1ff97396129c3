'use strict';
const { requireCached } = require('./load.js');
// Runs a bin: first its fast launcher, dist/oclif/<bin>/launch.cjs (src/cli/fast-launch.ts, one
// CommonJS bundle written by `npm run build`), which answers what needs no oclif; the rest, or
// everything without a build, goes to launch.ts. The bins are CommonJS (bin/package.json) so that
// a script's call reads its few files without ES module loader work (issue 16).

/** 'done' when the fast launcher ran the command line, 'oclif' when launch.ts must. */
async function fastLauncher(bin) {
  let launcher;
  try {
    launcher = require(`../dist/oclif/${bin}/launch.cjs`);
  } catch (err) {
    if (err?.code === 'MODULE_NOT_FOUND' && String(err.message).includes('launch.cjs')) return 'oclif';
    throw err;
  }
  return launcher.launch(process.argv.slice(2), requireCached);
}

/** bin/sipd.js and bin/sipctl.js. */
async function runBin(bin) {
  if ((await fastLauncher(bin)) === 'done') return;
  const { launch } = await import('../dist/src/cli/launch.js');
  await launch(bin);
}

module.exports = { runBin };
