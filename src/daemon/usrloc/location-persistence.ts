/**
 * LocationPersistence over the store's `location` table (Kamailio's usrloc columns): bindings
 * are kept in milliseconds in memory and in whole seconds in the database; an AoR "user@domain"
 * is split at its last "@" into the username and domain columns.
 */
import type { Contact, Store } from '../../store/index.js';
import type { Binding } from '../registrar/binding.js';
import type { LocationChange } from '../../store/index.js';
import type { LocationPersistence, LocationWrite } from './location-service.js';

export function splitAor(aor: string): { username: string; domain: string | null } {
  const at = aor.lastIndexOf('@');
  return at < 0 ? { username: aor, domain: null } : { username: aor.slice(0, at), domain: aor.slice(at + 1) };
}

export function bindingToContact(b: Binding): Contact {
  const { username, domain } = splitAor(b.aor);
  return {
    ruid: b.ruid,
    username,
    domain,
    contact: b.contact,
    received: b.received ?? null,
    path: b.path ?? null,
    // Whole seconds, rounded down: a binding restored after a restart never outlives its expiry.
    expires: b.expires === 0 ? 0 : Math.floor(b.expires / 1000),
    q: b.q,
    callid: b.callId,
    cseq: b.cseq,
    lastModified: Math.floor(b.lastModified / 1000),
    flags: 0,
    cflags: 0,
    userAgent: b.userAgent,
    socket: b.socket ?? null,
    methods: null,
    instance: b.instance ?? null,
    regId: b.regId,
    serverId: 0,
    connectionId: b.connectionId,
    keepalive: 0,
    partition: 0,
  };
}

export function contactToBinding(c: Contact): Binding {
  return {
    aor: c.domain === null || c.domain === '' ? c.username : `${c.username}@${c.domain}`,
    contact: c.contact,
    expires: c.expires === 0 ? 0 : c.expires * 1000,
    q: c.q,
    callId: c.callid,
    cseq: c.cseq,
    received: c.received ?? undefined,
    path: c.path ?? undefined,
    userAgent: c.userAgent,
    instance: c.instance ?? undefined,
    regId: c.regId,
    socket: c.socket ?? undefined,
    ruid: c.ruid,
    lastModified: c.lastModified * 1000,
    // A TCP connection does not survive a restart: the UA reconnects and re-registers.
    connectionId: 0,
  };
}

export class StoreLocationPersistence implements LocationPersistence {
  constructor(private readonly store: Store) {}

  async loadAll(): Promise<Binding[]> {
    return (await this.store.location.listAll()).map(contactToBinding);
  }

  /** The checks the store makes before writing (column lengths, NULs), made before memory changes. */
  validate(b: Binding): void {
    this.store.location.check(bindingToContact(b));
  }

  /** One transaction per batch (the group commit); throws when it did not commit. */
  async applyBatch(writes: readonly LocationWrite[]): Promise<void> {
    const changes = writes.map((w): LocationChange => {
      if (w.kind === 'upsert') return { op: 'save', contact: bindingToContact(w.binding) };
      if (w.kind === 'delete') return { op: 'deleteRuid', ruid: w.binding.ruid };
      return { op: 'deleteAor', ...splitAor(w.aor) };
    });
    const failed = await this.store.location.apply(changes, { atomic: true });
    // Unreachable with atomic (a bad change throws before the transaction); kept as a guard.
    if (failed.length > 0) throw failed[0]!.error;
  }
}
