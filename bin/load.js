'use strict';
// require() with V8's code cache, for the bundles a bin loads at every call (the lite command
// bundles, siptest's runner): most of a short command's own cost is parsing and compiling its
// bundle (issue 16). Node 22 has module.enableCompileCache(); Node 20 does not, so this does what
// it does for one file: compile through vm.Script with the cached data of an earlier run, and
// after the command finished, write the data V8 produced (the functions the run compiled).
//
// The cache sits beside the bundle (<dir>/.cache/), keyed by the bundle's size and mtime and by
// Node's version: V8 itself checks only the source length, so a rebuilt bundle of the same length
// must never meet the old cache. A cache file is used only when the bundle's owner wrote it, so
// whoever may not change the package cannot plant bytecode in it either. Nothing is written
// where the package is not writable (a global install run by another user): then it is plain
// compilation, as without a cache.
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { basename, dirname, join } = require('node:path');
const vm = require('node:vm');

/** The cache file of a bundle (one per variant), and whether it may be read. */
function cacheOf(file, variant) {
  const st = statSync(file);
  const key = `${basename(file)}${variant ? `.${variant}` : ''}.${st.size}-${Math.trunc(st.mtimeMs)}.${process.version}-${process.arch}.v8cache`;
  return { path: join(dirname(file), '.cache', key), owner: st.uid };
}

function readCache(cache) {
  try {
    if (statSync(cache.path).uid !== cache.owner) return undefined;
    return readFileSync(cache.path);
  } catch {
    return undefined;
  }
}

function writeCache(cache, data) {
  try {
    mkdirSync(dirname(cache.path), { recursive: true });
    const tmp = `${cache.path}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, cache.path); // atomic: a concurrent call reads the old file or the new one
  } catch {
    /* not writable here: no cache */
  }
}

/**
 * Loads the CommonJS file as require() would (one instance in require.cache), compiled with its
 * code cache. Returns the module's exports and `done()`, to call once the work is done: it writes
 * the cache when there was none or V8 rejected it.
 *
 * V8 takes any cache of the same source, however little it holds, and a cache holds only the
 * functions the run that wrote it compiled: a caller whose runs differ (siptest: an answer to
 * --help, or a run of the engine) names a variant, each with its own cache file.
 */
function requireCached(file, variant) {
  if (process.env.SIPKIT_CODE_CACHE === '0') return { exports: require(file), done() {} };
  const cache = cacheOf(file, variant);
  const cachedData = readCache(cache);
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = mod;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  const stale = !cachedData || script.cachedDataRejected;
  return {
    exports: mod.exports,
    cacheUsed: !stale,
    done() {
      if (stale) writeCache(cache, script.createCachedData());
    },
  };
}

module.exports = { requireCached };
