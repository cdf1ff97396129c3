/**
 * The location service (Kamailio's usrloc): bindings per address-of-record, in memory for
 * lookups on the call path, with every change written behind to a persistence backend (the
 * database is the durable copy, so registrations survive a restart) and expired bindings swept
 * on a timer.
 *
 * Write-behind (Kamailio's db_mode 2, with a short interval): changes are collected for
 * `writeDelayMs` and written together, in one transaction when the backend can (applyBatch), so
 * the SIP path never waits for the database and a busy registrar commits once per interval, not
 * once per REGISTER. Changes to the same binding within an interval collapse into the last one.
 * `flush()` writes what is pending at once and waits (shutdown, tests).
 */
import type { Binding } from '../registrar/binding.js';

/** Where bindings live durably (implemented over src/store). */
export interface LocationPersistence {
  loadAll(): Promise<Binding[]>;
  /** insert or update by ruid */
  upsert(b: Binding): Promise<void>;
  deleteByRuid(ruid: string): Promise<void>;
  deleteAor(aor: string): Promise<void>;
  /** Apply several changes in order, in one transaction; the ones that failed are returned. */
  applyBatch?(changes: readonly LocationWrite[]): Promise<Array<{ change: LocationWrite; error: unknown }>>;
}

/** One pending change of the durable copy. */
export type LocationWrite =
  { kind: 'upsert'; binding: Binding } | { kind: 'delete'; binding: Binding } | { kind: 'deleteAor'; aor: string };

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
  /** Changes not yet written, keyed "r:<ruid>" or "a:<aor>", in the order they must apply. */
  private pendingWrites = new Map<string, LocationWrite>();
  private writeTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly persistence: LocationPersistence | undefined,
    private readonly now: () => number = Date.now,
    private readonly events: LocationEvents = {},
    /** How long changes are collected before they are written (0 = on the next turn of the event loop). */
    private readonly writeDelayMs = 100,
  ) {}

  /** Load the durable copy (on start); expired rows are dropped and deleted. */
  async load(): Promise<number> {
    if (!this.persistence) return 0;
    const rows = await this.persistence.loadAll();
    const now = this.now();
    let n = 0;
    for (const b of rows) {
      if (b.expires !== 0 && b.expires <= now) {
        this.write({ kind: 'delete', binding: b });
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
        this.write({ kind: 'delete', binding: b });
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
    for (const b of removed) this.write({ kind: 'delete', binding: b });
    for (const b of changed) this.write({ kind: 'upsert', binding: b });
  }

  /** Add or replace one binding (ul.add). */
  add(b: Binding): void {
    const list = (this.byAor.get(b.aor) ?? []).filter((x) => x.contact !== b.contact);
    list.push(b);
    this.byAor.set(b.aor, list);
    this.byContact.set(b.contact, b);
    this.write({ kind: 'upsert', binding: b });
  }

  /** Remove all bindings of an AoR (ul.rm). Returns how many were removed. */
  removeAor(aor: string): number {
    const list = this.byAor.get(aor) ?? [];
    this.byAor.delete(aor);
    for (const b of list) {
      this.unindex(b);
      this.events.onRemoved?.(b, 'removed');
    }
    this.write({ kind: 'deleteAor', aor });
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
    this.write({ kind: 'delete', binding: b! });
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

  /** Write what is pending now and wait until every write has been applied. */
  async flush(): Promise<void> {
    do {
      this.startWriting();
      await this.writing;
    } while (this.pendingWrites.size > 0);
  }

  private write(w: LocationWrite): void {
    if (!this.persistence) return;
    if (w.kind === 'deleteAor') {
      // Earlier changes to that AoR's bindings are moot: the rows go anyway.
      for (const [k, x] of this.pendingWrites)
        if (x.kind !== 'deleteAor' && x.binding.aor === w.aor) this.pendingWrites.delete(k);
      this.pendingWrites.set('a:' + w.aor, w);
    } else this.pendingWrites.set('r:' + w.binding.ruid, w);
    if (this.writeTimer === undefined) {
      this.writeTimer = setTimeout(() => this.startWriting(), this.writeDelayMs);
      this.writeTimer.unref();
    }
  }

  /** Hand the pending changes to the writer (after the previous batch, so batches apply in order). */
  private startWriting(): void {
    if (this.writeTimer !== undefined) clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const p = this.persistence;
    if (!p || this.pendingWrites.size === 0) return;
    const batch = [...this.pendingWrites.values()];
    this.pendingWrites = new Map();
    this.writing = this.writing.then(() => this.writeBatch(p, batch));
  }

  private async writeBatch(p: LocationPersistence, batch: LocationWrite[]): Promise<void> {
    const report = (err: unknown) => this.events.onPersistError?.(err);
    if (p.applyBatch) {
      try {
        for (const f of await p.applyBatch(batch)) report(f.error);
      } catch (err) {
        report(err);
      }
      return;
    }
    for (const w of batch) {
      try {
        if (w.kind === 'upsert') await p.upsert(w.binding);
        else if (w.kind === 'delete') await p.deleteByRuid(w.binding.ruid);
        else await p.deleteAor(w.aor);
      } catch (err) {
        report(err);
      }
    }
  }
}
