/**
 * `sipkit/routing/testing`: run a route on fake requests, with no sockets, and look at what it
 * did (harness.ts). In-memory subscribers, aliases, groups, preferences and registered contacts;
 * the real digest authentication and registrar; branches the test answers.
 */
export { RouteHarness, RouteRun, type ContactSpec } from './harness.js';
export { MemoryDirectory, type DirectoryData } from './memory-directory.js';
export type { RecordedBranch, RecordedForward, RecordedRelay } from './recording-relayer.js';
export { PROXY, type RequestInput, type RequestSpec, type SourceSpec } from './requests.js';
export { DEFAULT_SETTINGS, type HarnessOptions } from './services.js';
