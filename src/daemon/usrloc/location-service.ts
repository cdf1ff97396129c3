/**
 * The location service (Kamailio's usrloc): bindings per address-of-record, in memory for
 * lookups on the call path, with every change written through to a persistence backend (the
 * database is the durable copy, so registrations survive a restart) and expired bindings swept
 * on a timer.
 *
 * Writes are queued and applied in order by one writer, so the SIP path never waits for the
 * database; `flush()` waits for the queue (used on shutdown and by tests).
 */
import type { Binding } from '../registrar/binding.js';

/** Where bindings live durably (implemented over src/store). */
export interface LocationPersistence {
  loadAll(): Promise<Binding[]>;
  /** insert or update by ruid */
  upsert(b: Binding): Promise<void>;
  deleteByRuid(ruid: string): Promise<void>;
  deleteAor(aor: string): Promise<void>;
}

export interface LocationEvents {
  /** a binding expired or was removed by an administrator */
  onRemoved?(b: Binding, why: 'expired' | 'removed'): void;
  /** a background write failed (logged and counted by the caller) */
  onPersistError?(err: unknown): void;
}

export class LocationService {
  private readonly byAor = new Map<string, Binding[]>();
  /** Contact URI text → binding, for routing in-dialog requests to NAT'd user agents. */
  private readonly byContact = new Map<string, Binding>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly persistence: LocationPersistence | undefined,
    private readonly now: () => number = Date.now,
    private readonly events: LocationEvents = {},
  ) {}

  /** Load the durable copy (on start); expired rows are dropped and deleted. */
  async load(): Promise<number> {
    if (!this.persistence) return 0;
    const rows = await this.persistence.loadAll();
    const now = this.now();
    let n = 0;
    for (const b of rows) {
      if (b.expires !== 0 && b.expires <= now) {
        this.write((p) => p.deleteByRuid(b.ruid));
        continue;
      }
      const list = this.byAor.get(b.aor);
      if (list) list.push(b);
      else this.byAor.set(b.aor, [b]);
      this.byContact.set(b.contact, b);
      n++;
    }
    return n;
  }

  /** Start sweeping expired bindings every `intervalMs`. */
  startSweeping(intervalMs = 1000): void {
    this.stopSweeping();
    this.sweepTimer = setInterval(() => this.sweep(), intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** Remove bindings whose time has come. Returns how many. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [aor, list] of this.byAor) {
      const keep = list.filter((b) => b.expires === 0 || b.expires > now);
      if (keep.length === list.length) continue;
      for (const b of list) {
        if (keep.includes(b)) continue;
        removed++;
        this.unindex(b);
        this.write((p) => p.deleteByRuid(b.ruid));
        this.events.onRemoved?.(b, 'expired');
      }
      if (keep.length === 0) this.byAor.delete(aor);
      else this.byAor.set(aor, keep);
    }
    return removed;
  }

  /** Live bindings of an AoR, highest q first (RFC 3261 §16.6: targets ordered by q). */
  lookup(aor: string): Binding[] {
    const list = this.byAor.get(aor);
    if (!list) return [];
    const now = this.now();
    const live = list.filter((b) => b.expires === 0 || b.expires > now);
    return live.sort((a, b) => b.q - a.q || b.lastModified - a.lastModified);
  }

  /** Current bindings of an AoR including not-yet-swept expired ones (the registrar filters). */
  current(aor: string): readonly Binding[] {
    return this.byAor.get(aor) ?? [];
  }

  /**
   * Replace an AoR's bindings after a REGISTER: the memory copy changes at once (all bindings of
   * the request together, §10.3 step 7), the database follows in order.
   */
  apply(aor: string, bindings: Binding[], changed: readonly Binding[], removed: readonly Binding[]): void {
    if (bindings.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, bindings);
    for (const b of removed) this.unindex(b);
    for (const b of bindings) this.byContact.set(b.contact, b);
    for (const b of removed) this.write((p) => p.deleteByRuid(b.ruid));
    for (const b of changed) this.write((p) => p.upsert(b));
  }

  /** Add or replace one binding (ul.add). */
  add(b: Binding): void {
    const list = (this.byAor.get(b.aor) ?? []).filter((x) => x.contact !== b.contact);
    list.push(b);
    this.byAor.set(b.aor, list);
    this.byContact.set(b.contact, b);
    this.write((p) => p.upsert(b));
  }

  /** Remove all bindings of an AoR (ul.rm). Returns how many were removed. */
  removeAor(aor: string): number {
    const list = this.byAor.get(aor) ?? [];
    this.byAor.delete(aor);
    for (const b of list) {
      this.unindex(b);
      this.events.onRemoved?.(b, 'removed');
    }
    this.write((p) => p.deleteAor(aor));
    return list.length;
  }

  /** Remove one contact of an AoR (ul.rm_contact). */
  removeContact(aor: string, contact: string): boolean {
    const list = this.byAor.get(aor);
    if (!list) return false;
    const idx = list.findIndex((b) => b.contact === contact);
    if (idx < 0) return false;
    const [b] = list.splice(idx, 1);
    if (list.length === 0) this.byAor.delete(aor);
    this.unindex(b!);
    this.events.onRemoved?.(b!, 'removed');
    this.write((p) => p.deleteByRuid(b!.ruid));
    return true;
  }

  /** The live binding whose Contact is exactly this URI text (in-dialog requests to a registered UA). */
  findContact(contact: string): Binding | undefined {
    const b = this.byContact.get(contact);
    return b && (b.expires === 0 || b.expires > this.now()) ? b : undefined;
  }

  private unindex(b: Binding): void {
    if (this.byContact.get(b.contact) === b) this.byContact.delete(b.contact);
  }

  /** Every AoR with its live bindings (ul.dump). */
  dump(): Array<{ aor: string; bindings: Binding[] }> {
    const out: Array<{ aor: string; bindings: Binding[] }> = [];
    for (const aor of [...this.byAor.keys()].sort()) {
      const bindings = this.lookup(aor);
      if (bindings.length > 0) out.push({ aor, bindings });
    }
    return out;
  }

  /** Counts for statistics: AoRs with a live binding and live bindings. */
  counts(): { users: number; contacts: number } {
    let users = 0;
    let contacts = 0;
    const now = this.now();
    for (const list of this.byAor.values()) {
      const live = list.reduce((n, b) => n + (b.expires === 0 || b.expires > now ? 1 : 0), 0);
      if (live > 0) users++;
      contacts += live;
    }
    return { users, contacts };
  }

  /** Wait until every queued write has been applied. */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private write(op: (p: LocationPersistence) => Promise<void>): void {
    const p = this.persistence;
    if (!p) return;
    this.pending++;
    this.queue = this.queue
      .then(() => op(p))
      .catch((err: unknown) => this.events.onPersistError?.(err))
      .finally(() => {
        this.pending--;
      });
  }
}
