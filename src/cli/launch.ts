/**
 * Per-bin oclif launcher. One package ships three independent command sets (sipd, sipctl,
 * siptest): each bin loads the package's pjson with an `oclif` block rewritten to point at its
 * own `dist/commands/<bin>` folder. No ROOT oclif.manifest.json is shipped, because oclif reads
 * the manifest of the package root whatever pjson is passed, and one bin would then list another's
 * commands. Instead `npm run build` writes one manifest per bin into dist/oclif/<bin>/, and that
 * folder becomes the bin's oclif root: start-up then reads one JSON file instead of importing every
 * command module (see src/cli/manifest.ts). A manifest older than the last compile is ignored.
 */
import { statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Interfaces } from '@oclif/core';
import { PACKAGE_NAME, packageJson, packageRoot, VERSION } from '../shared/package.js';

export type BinName = 'sipd' | 'sipctl' | 'siptest';

/** package.json's oclif block: the bins' descriptions and topics (each bin's own block is made here). */
interface OclifBlock {
  topicSeparator?: string;
  bins: Record<BinName, { description?: string; topics?: Record<string, { description: string }> }>;
}

export const oclifBlock = packageJson.oclif as OclifBlock;

/** The folder holding a bin's own oclif manifest; it is the bin's oclif root when the manifest is used. */
export const binRootFor = (bin: BinName) => join(packageRoot, 'dist', 'oclif', bin);
export const manifestPathFor = (bin: BinName) => join(binRootFor(bin), 'oclif.manifest.json');
/** The esbuild bundle of a bin's commands and oclif (src/cli/bundle.ts), beside its manifest. */
export const bundleDirFor = (bin: BinName) => join(binRootFor(bin), 'bundle');
/** The bundle's entry; its chunks (one per command, and shared code) sit in chunks/ beside it. */
export const bundlePathFor = (bin: BinName) => join(bundleDirFor(bin), 'main.js');
/** The lite run's bundles (src/cli/lite/run.ts: the commands without oclif), one per command in cmd/. */
export const liteDirFor = (bin: BinName) => join(binRootFor(bin), 'lite');
/** The fast launcher (src/cli/fast-launch.ts), bundled as CommonJS with the lite commands' table. */
export const launcherPathFor = (bin: BinName) => join(binRootFor(bin), 'launch.cjs');

/**
 * Commands left out of a bin's bundle, run from the compiled modules: `sipd run` is the daemon
 * itself (it loads routing scripts next to its own modules and pino's transport workers by path,
 * and start-up time is nothing against its run time), and `check-config` compiles routing scripts
 * against the routing API's module path. Everything else of sipd and sipctl is in the bundle.
 */
export const UNBUNDLED: Record<BinName, readonly string[]> = { sipd: ['run', 'check-config'], sipctl: [], siptest: [] };

/**
 * A manifest is used only when it is newer than the last compile and than package.json: tsc
 * --incremental rewrites dist/.tsbuildinfo whenever it emits, so after `npx tsc -p .` adds or
 * changes a command the bins scan dist/commands again instead of missing it; a version bump would
 * make oclif warn about a mismatched manifest. (npm installs every file with the same mtime and
 * without .tsbuildinfo, so an installed package always uses its manifests.)
 */
export function manifestIsFresh(
  bin: BinName,
  files = { manifest: manifestPathFor(bin), newerThan: buildInputs() },
): boolean {
  return isNewer(files.manifest, files.newerThan);
}

/** What a manifest or a bundle must be newer than: the last compile and package.json. */
export const buildInputs = () => [join(packageRoot, 'dist', '.tsbuildinfo'), join(packageRoot, 'package.json')];

/**
 * A bundle is used under the same rule as a manifest, and only with a fresh manifest (the build
 * writes the manifest first, then the bundle from it): a bundle older than the last `tsc` would
 * run yesterday's commands.
 */
export function bundleIsFresh(
  bin: BinName,
  files = {
    manifest: manifestPathFor(bin),
    bundles: [bundlePathFor(bin), launcherPathFor(bin)],
    newerThan: buildInputs(),
  },
): boolean {
  return isNewer(files.manifest, files.newerThan) && files.bundles.every((b) => isNewer(b, files.newerThan));
}

/** Whether `file` exists and no file of `inputs` that exists was modified after it. */
export function isNewer(file: string, inputs: string[]): boolean {
  let written: number;
  try {
    written = statSync(file).mtimeMs;
  } catch {
    return false;
  }
  return inputs.every((f) => {
    try {
      return statSync(f).mtimeMs <= written;
    } catch {
      return true;
    }
  });
}

export interface LoadFor {
  /**
   * 'auto' (default): use dist/oclif/<bin>/oclif.manifest.json when fresh, else scan the command
   * modules. 'scan': always scan, with the package root as oclif root (docs, fixtures).
   * 'write': scan with the bin's own root, to write its manifest (src/cli/manifest.ts).
   * 'bundle': the bin's root and manifest, commands and hook taken from the bin's bundle (oclif's
   * "explicit" discovery); only the bundle itself passes it (src/cli/bundle.ts).
   */
  manifest?: 'auto' | 'scan' | 'write' | 'bundle';
}

/** The LoadOptions that make oclif see only `bin`'s commands. Used by the bins, docs and tests. */
export function loadOptionsFor(bin: BinName, how: LoadFor = {}): Interfaces.LoadOptions {
  const own = oclifBlock.bins[bin];
  const mode = how.manifest ?? 'auto';
  const binRoot = mode === 'write' || mode === 'bundle' || (mode === 'auto' && manifestIsFresh(bin));
  const root = binRoot ? binRootFor(bin) : packageRoot;
  // Paths in the oclif block are relative to the oclif root.
  const rel = (p: string) => `./${relative(root, join(packageRoot, p)).split(sep).join('/')}`;
  // The bundle exports COMMANDS (id → class) and notFound; oclif imports it by path, which gives
  // back the module already loaded (one URL, one instance), so nothing is loaded twice.
  const bundle = { target: rel(relative(packageRoot, bundlePathFor(bin))) };
  const commands =
    mode === 'bundle' ? { ...bundle, strategy: 'explicit', identifier: 'COMMANDS' } : rel(`dist/commands/${bin}`);
  const notFound = mode === 'bundle' ? { ...bundle, identifier: 'notFound' } : rel('dist/src/cli/hooks/not-found.js');
  return {
    root,
    ignoreManifest: !binRoot || mode === 'write',
    pjson: {
      ...packageJson,
      oclif: {
        bin,
        description: own.description ?? packageJson.description,
        dirname: 'sipkit',
        commands,
        topicSeparator: (oclifBlock.topicSeparator ?? ' ') as ' ',
        topics: own.topics ?? {},
        hooks: { command_not_found: notFound },
        exitCodes: {
          default: 2,
          failedFlagParsing: 2,
          invalidArgsSpec: 2,
          nonExistentFlags: 2,
          requiredArgs: 2,
          unexpectedArgs: 2,
        },
      },
    } as unknown as Interfaces.PJSON,
  };
}

/**
 * A bin may rewrite its argv before oclif sees it (siptest routes SIPp-style command lines, whose
 * single-dash multi-letter options oclif cannot parse, to its runner command).
 */
export type ArgvRoute = (args: string[]) => string[];

/** What oclif prints for `--version` (its config.userAgent), byte for byte. */
export const versionLine = () =>
  `${PACKAGE_NAME}/${VERSION} ${process.platform}-${process.arch} node-${process.version}`;

/**
 * Entry point of bin/<bin>.js, after the fast launcher (fast-launch.ts) left the command line to
 * oclif, or when there is none (no build yet, or a stale one).
 */
export async function launch(bin: BinName, args: string[] = process.argv.slice(2), route?: ArgvRoute): Promise<void> {
  // `--version` alone, as scripts and package managers call it: the answer without importing
  // oclif, whose import alone costs about three times a bare `node -e 0` (npm run bench --
  // cli-startup). Everything else, `--version` with other arguments included, goes to oclif.
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  const argv = route ? route(args) : args;
  // `... --help` in a script or a pipe: the screen oclif printed at build time (help-cache.ts).
  const help = argv.at(-1) === '--help' ? (await import('./help-text.js')).cachedHelp(bin, argv) : undefined;
  if (help !== undefined) {
    process.stdout.write(help);
    return;
  }
  if (usesBundle(bin, argv)) {
    const bundle = (await import(pathToFileURL(bundlePathFor(bin)).href)) as { main(argv: string[]): Promise<void> };
    await bundle.main(argv);
    return;
  }
  const { execute } = await import('@oclif/core');
  await execute({ args: argv, loadOptions: loadOptionsFor(bin) });
}

/**
 * Whether this command line runs from the bin's bundles: fresh ones exist and the command (the
 * first word) is not one of UNBUNDLED. SIPKIT_BUNDLE=0 turns bundles off, SIPKIT_LITE=0 the lite
 * run only (tests compare the paths; test/integration/cli/bundle.test.ts).
 */
export function usesBundle(bin: BinName, argv: readonly string[]): boolean {
  if (process.env.SIPKIT_BUNDLE === '0' || UNBUNDLED[bin] === undefined || bin === 'siptest') return false;
  const first = argv[0];
  if (first !== undefined && UNBUNDLED[bin].includes(first)) return false;
  return bundleIsFresh(bin);
}
