/** What loading a scenario needs from the run: -key keywords, injection files, -au/-ap, -d, variable tables. */
import { VariableAllocator } from './variables.js';

export interface LoadContext {
  keywords: ReadonlyMap<string, string>;
  injectionFiles: ReadonlySet<string>;
  defaultInjectionFile?: string;
  authUser: string;
  authPassword: string;
  /** -d, the length of a <pause/> without milliseconds. */
  defaultPauseMs: number;
  /** Shared by every scenario of a run (main, out-of-call, auto-answer). */
  globalVars: VariableAllocator;
  userVars: VariableAllocator;
}

export function newLoadContext(partial: Partial<LoadContext> = {}): LoadContext {
  const globalVars = partial.globalVars ?? new VariableAllocator(0);
  return {
    keywords: new Map(),
    injectionFiles: new Set(),
    authUser: 'service',
    authPassword: 'password',
    defaultPauseMs: 0,
    userVars: partial.userVars ?? new VariableAllocator(1, globalVars),
    ...partial,
    globalVars,
  };
}

export interface ScenarioInput {
  text: string;
  source: string;
  fileBase: string;
  encoding?: 'utf8' | 'latin1';
}
