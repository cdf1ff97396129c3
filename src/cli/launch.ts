/**
 * Per-bin oclif launcher. One package ships three independent command sets (sipd, sipctl,
 * siptest): each bin loads the package's pjson with an `oclif` block rewritten to point at its
 * own `dist/commands/<bin>` folder. No ROOT oclif.manifest.json is shipped, because oclif reads
 * the manifest of the package root whatever pjson is passed, and one bin would then list another's
 * commands. Instead `npm run build` writes one manifest per bin into dist/oclif/<bin>/, and that
 * folder becomes the bin's oclif root: start-up then reads one JSON file instead of importing every
 * command module (see src/cli/manifest.ts). A manifest older than the last compile is ignored.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Interfaces } from '@oclif/core';
import { PACKAGE_NAME, packageRoot, VERSION } from '../shared/package.js';

export type BinName = 'sipd' | 'sipctl' | 'siptest';

export { packageRoot };

interface PackageJson {
  name: string;
  version: string;
  oclif: {
    topicSeparator?: string;
    bins: Record<BinName, { description?: string; topics?: Record<string, { description: string }> }>;
  };
  [key: string]: unknown;
}

let cachedPjson: PackageJson | undefined;
function readPjson(): PackageJson {
  cachedPjson ??= JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as PackageJson;
  return cachedPjson;
}

/** The folder holding a bin's own oclif manifest; it is the bin's oclif root when the manifest is used. */
export const binRootFor = (bin: BinName) => join(packageRoot, 'dist', 'oclif', bin);
export const manifestPathFor = (bin: BinName) => join(binRootFor(bin), 'oclif.manifest.json');

/**
 * A manifest is used only when it is newer than the last compile and than package.json: tsc
 * --incremental rewrites dist/.tsbuildinfo whenever it emits, so after `npx tsc -p .` adds or
 * changes a command the bins scan dist/commands again instead of missing it; a version bump would
 * make oclif warn about a mismatched manifest. (npm installs every file with the same mtime and
 * without .tsbuildinfo, so an installed package always uses its manifests.)
 */
export function manifestIsFresh(
  bin: BinName,
  files = {
    manifest: manifestPathFor(bin),
    newerThan: [join(packageRoot, 'dist', '.tsbuildinfo'), join(packageRoot, 'package.json')],
  },
): boolean {
  let written: number;
  try {
    written = statSync(files.manifest).mtimeMs;
  } catch {
    return false;
  }
  return files.newerThan.every((f) => {
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
   */
  manifest?: 'auto' | 'scan' | 'write';
}

/** The LoadOptions that make oclif see only `bin`'s commands. Used by the bins, docs and tests. */
export function loadOptionsFor(bin: BinName, how: LoadFor = {}): Interfaces.LoadOptions {
  const pjson = readPjson();
  const own = pjson.oclif.bins[bin];
  const mode = how.manifest ?? 'auto';
  const binRoot = mode === 'write' || (mode === 'auto' && manifestIsFresh(bin));
  const root = binRoot ? binRootFor(bin) : packageRoot;
  // Paths in the oclif block are relative to the oclif root.
  const rel = (p: string) => `./${relative(root, join(packageRoot, p)).split(sep).join('/')}`;
  return {
    root,
    ignoreManifest: !binRoot || mode === 'write',
    pjson: {
      ...pjson,
      oclif: {
        bin,
        description: own.description ?? pjson.description,
        dirname: 'sipkit',
        commands: rel(`dist/commands/${bin}`),
        topicSeparator: (pjson.oclif.topicSeparator ?? ' ') as ' ',
        topics: own.topics ?? {},
        hooks: { command_not_found: rel('dist/src/cli/hooks/not-found.js') },
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

/** Entry point of bin/<bin>.js. */
export async function launch(bin: BinName, args: string[] = process.argv.slice(2), route?: ArgvRoute): Promise<void> {
  // `--version` alone, as scripts and package managers call it: the answer without importing
  // oclif, whose import alone costs about three times a bare `node -e 0` (npm run bench --
  // cli-startup). Everything else, `--version` with other arguments included, goes to oclif.
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  const { execute } = await import('@oclif/core');
  await execute({ args: route ? route(args) : args, loadOptions: loadOptionsFor(bin) });
}
