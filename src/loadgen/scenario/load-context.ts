/** What loading a scenario needs from the run: -key keywords, injection files, -au/-ap, -d, variable tables. */
import { MediaCache } from './media-files.js';
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
  /** pcap and audio files of media actions, read once. */
  media: MediaCache;
  /** -rtp_payload: the payload type of rtp_stream actions that give none. */
  rtpPayload: number;
}

export function newLoadContext(partial: Partial<LoadContext> = {}): LoadContext {
  const globalVars = partial.globalVars ?? new VariableAllocator(0);
  return {
    keywords: new Map(),
    injectionFiles: new Set(),
    authUser: 'service',
    authPassword: 'password',
    defaultPauseMs: 0,
    media: new MediaCache(),
    rtpPayload: 8,
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
  /** The scenario file's directory, where its pcap files are looked for first (none: built-in). */
  dir?: string;
}
