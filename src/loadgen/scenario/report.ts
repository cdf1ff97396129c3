/**
 * `siptest scenario validate`: load a scenario file as a run would and describe it.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { usageError } from '../errors.js';
import { InjectionFile } from '../engine/injection.js';
import { checkInjectedAuth } from './injected-auth.js';
import { loadScenario, newLoadContext } from './loader.js';
import { decodeScenarioBytes } from './xml.js';

export interface ScenarioReport {
  file: string;
  name: string;
  mode: 'client' | 'server';
  messages: number;
  responseTimes: string[];
  counters: string[];
  variables: string[];
  labels: string[];
  warnings: string[];
}

export function validateScenarioFile(
  file: string,
  keywords: Map<string, string>,
  injectionFiles: string[],
): ScenarioReport {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw usageError(`Unable to load or parse '${file}' xml scenario file: ${(e as Error).message}`);
  }
  const files = injectionFiles.map((p) => new InjectionFile(p));
  const ctx = newLoadContext({
    keywords,
    injectionFiles: new Set(files.map((f) => f.name)),
    defaultInjectionFile: files[0]?.name,
  });
  const { text, encoding } = decodeScenarioBytes(bytes);
  const s = loadScenario(
    { text, source: file, fileBase: basename(file).replace(/\.xml$/, ''), encoding, dir: dirname(file) },
    ctx,
  );
  checkInjectedAuth(s, new Map(files.map((f) => [f.name, f])));
  return {
    file,
    name: s.name,
    mode: s.mode,
    messages: s.messages.length,
    responseTimes: s.rtdNames,
    counters: s.counterNames,
    variables: s.callVars.names,
    labels: [...s.labels.keys()],
    warnings: s.warnings,
  };
}
