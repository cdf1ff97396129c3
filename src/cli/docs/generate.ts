/**
 * Builds the three man pages in memory: each bin's command set is loaded the way the bin loads it
 * (loadOptionsFor(bin) → oclif Config.load), so the pages document exactly what the bins run.
 */
import { join } from 'node:path';
import { Config } from '@oclif/core';
import { packageRoot } from '../../shared/package.js';
import { loadOptionsFor, type BinName } from '../launch.js';
import { renderManPage, type BinProse } from './man-page.js';
import { sipctlProse } from './prose/sipctl.js';
import { sipdProse } from './prose/sipd.js';
import { siptestProse } from './prose/siptest.js';

export interface ManPage {
  bin: BinName;
  /** Relative to the package root, e.g. man/sipctl.8. */
  path: string;
  content: string;
}

export const BINS: readonly BinName[] = ['sipd', 'sipctl', 'siptest'];

const PROSE: Record<BinName, () => BinProse> = { sipd: sipdProse, sipctl: sipctlProse, siptest: siptestProse };

export async function generateManPage(bin: BinName): Promise<ManPage> {
  // Scan the command modules themselves (not a manifest): the pages document what the code says.
  const config = await Config.load(loadOptionsFor(bin, { manifest: 'scan' }));
  const prose = PROSE[bin]();
  const content = renderManPage({
    bin,
    version: config.version,
    separator: config.topicSeparator,
    commands: config.commands,
    topics: config.topics,
    prose,
  });
  return { bin, path: join('man', `${bin}.${prose.section}`), content };
}

export async function generateManPages(): Promise<ManPage[]> {
  const pages: ManPage[] = [];
  for (const bin of BINS) pages.push(await generateManPage(bin));
  return pages;
}

export const manPath = (page: ManPage) => join(packageRoot, page.path);
