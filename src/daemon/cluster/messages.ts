/**
 * The IPC messages between the primary of a multi-process sipd and its workers (node:cluster's
 * channel, JSON). The hot path (SIP messages handed between workers) does not use it: see
 * peer-channel.ts. This carries control: start-up, the workers' peer ports, management calls,
 * replicated location changes, stop and SIGHUP.
 */
import type { BoundAddress } from '../config/listen.js';
import type { LocationWrite } from '../usrloc/location-service.js';

/** Environment variables a worker is forked with. */
export const WORKER_ENV = {
  index: 'SIPKIT_WORKER_INDEX',
  count: 'SIPKIT_WORKER_COUNT',
  generation: 'SIPKIT_WORKER_GENERATION',
  token: 'SIPKIT_WORKER_TOKEN',
} as const;

/** Worker → primary. */
export type FromWorker =
  | { type: 'peer-port'; port: number }
  | { type: 'ready'; addresses: BoundAddress[] }
  | { type: 'start-failed'; message: string; code: string; exitCode: number; actions: string[] }
  | { type: 'rpc-result'; id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } }
  | { type: 'ul'; id: number; writes: LocationWrite[] }
  | { type: 'ul-ack'; id: number }
  | { type: 'ul-sync' }
  | { type: 'ul-snapshot'; id: number; writes: LocationWrite[] };

/** Primary → worker. */
export type ToWorker =
  | { type: 'peers'; ports: number[] }
  | { type: 'rpc'; id: number; method: string; params: unknown }
  | { type: 'ul'; id: number; writes: LocationWrite[] }
  | { type: 'ul-done'; id: number }
  | { type: 'ul-snapshot-request'; id: number }
  | { type: 'ul-sync-result'; writes: LocationWrite[] }
  | { type: 'stop' }
  | { type: 'hup' };
