/**
 * The location service of a multi-process sipd: every worker holds the whole location in memory
 * (lookups on the call path stay synchronous and local), and the worker that changes a binding
 * (it handled the REGISTER, or a management call) writes the database and sends the change to the
 * others. Chosen over "the primary owns usrloc" because a lookup then costs no IPC round trip.
 *
 * The change is part of the group commit: a batch is acknowledged (the REGISTER gets its 200)
 * only when the database has committed it AND every other worker has applied it to its memory.
 * So once a phone has its 200, a request it sends next finds its binding in whichever worker
 * owns that request's Call-ID: the visibility guarantee a single process gives, at the price of
 * one loopback round trip per batch (not per REGISTER), worker to worker on the peer channel
 * (peer-replication.ts). With `usrloc.db_mode = 0` the batches are only replicated.
 */
import type { Binding } from '../registrar/binding.js';
import type { LocationPersistence, LocationWrite } from '../usrloc/location-service.js';
import type { ClusterMember } from './member.js';

export class ReplicatingPersistence implements LocationPersistence {
  constructor(
    /** The database adapter; undefined for db_mode 0 (memory only, replicated). */
    private readonly inner: LocationPersistence | undefined,
    private readonly cluster: ClusterMember,
  ) {}

  loadAll(): Promise<Binding[]> {
    return this.inner ? this.inner.loadAll() : Promise.resolve([]);
  }

  validate(b: Binding): void {
    this.inner?.validate?.(b);
  }

  /** Durable first (a failed commit is not replicated and fails the batch), then replicated. */
  async applyBatch(writes: readonly LocationWrite[]): Promise<void> {
    await this.inner?.applyBatch(writes);
    await this.cluster.replicate(writes);
  }
}
