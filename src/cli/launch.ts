/**
 * Per-bin oclif launcher. One package ships three independent command sets (sipd, sipctl,
 * siptest): each bin loads the package's pjson with an `oclif` block rewritten to point at its
 * own `dist/commands/<bin>` folder. No oclif.manifest.json is shipped, because oclif reads a
 * root manifest whatever pjson is passed and one bin would then list another's commands.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute, type Interfaces } from '@oclif/core';

export type BinName = 'sipd' | 'sipctl' | 'siptest';

/** Package root: dist/src/cli/launch.js → three levels up. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface PackageJson {
  name: string;
  version: string;
  oclif: { topicSeparator?: string; bins: Record<BinName, { topics?: Record<string, { description: string }> }> };
  [key: string]: unknown;
}

let cachedPjson: PackageJson | undefined;
function readPjson(): PackageJson {
  cachedPjson ??= JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as PackageJson;
  return cachedPjson;
}

/** The LoadOptions that make oclif see only `bin`'s commands. Used by the bins, docs and tests. */
export function loadOptionsFor(bin: BinName): Interfaces.LoadOptions {
  const pjson = readPjson();
  const own = pjson.oclif.bins[bin];
  return {
    root: packageRoot,
    pjson: {
      ...pjson,
      oclif: {
        bin,
        dirname: 'sipkit',
        commands: `./dist/commands/${bin}`,
        topicSeparator: (pjson.oclif.topicSeparator ?? ' ') as ' ',
        topics: own.topics ?? {},
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

/** Entry point of bin/<bin>.js. */
export async function launch(bin: BinName, args: string[] = process.argv.slice(2), route?: ArgvRoute): Promise<void> {
  await execute({ args: route ? route(args) : args, loadOptions: loadOptionsFor(bin) });
}
