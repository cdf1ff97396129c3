/**
 * What a worker of a multi-process sipd (`workers = N`) tells the modules running in it: which
 * worker it is, and how the location service reaches the other workers. Absent in a single
 * process sipd (workers = 1), where nothing of this runs.
 */
import type { LocationService, LocationWrite } from '../usrloc/location-service.js';

export interface ClusterMember {
  /** 0..count-1; worker 0 also runs what must happen once per sipd (NAT keepalives). */
  readonly index: number;
  readonly count: number;
  /**
   * The digest nonce key every worker shares when `auth.secret` is empty (derived from the
   * cluster's per-run token): a nonce one worker made is authentic in every other, which then
   * answers it stale=true (DigestServerOptions.issuer) rather than "wrong password".
   */
  readonly nonceSecret: Buffer;
  /**
   * Sends committed location changes to every other worker; resolves once each has applied them
   * (or has not answered within a bound: a hung worker is restarted, and loads the database).
   */
  replicate(writes: readonly LocationWrite[]): Promise<void>;
  /** The worker's location service, which changes replicated from the others are applied to. */
  attachLocation(location: LocationService): void;
}
