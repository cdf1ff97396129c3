/**
 * Folder daemon/usrloc/: where a REGISTER is stored. This file is the location service; its
 * database adapter is location-persistence.ts (the Kamailio `location` table via store/), its
 * management methods ul-methods.ts (ul.dump, ul.add, ...), its in-memory index address-index.ts.
 *
 * The location service (Kamailio's usrloc): bindings per address-of-record, in memory for
 * lookups on the call path, with every change committed to a persistence backend (the database
 * is the durable copy, so registrations survive a restart) and expired bindings swept on a timer.
 *
 * Group commit (Kamailio's db_mode 1, write-through, without one transaction per REGISTER): a
 * change is made in memory at once and its promise settles only when the database has committed
 * it, so the registrar answers 200 OK for what is durable. Changes are collected for `collectMs`
 * (or until `maxBatch` writes) and written in one transaction; while a batch is being written the
 * next one collects. Changes to the same binding within a batch collapse into the last one.
 *
 * When a batch fails, the memory copy of every AoR it touched goes back to what it was before the
 * batch (a snapshot taken at the AoR's first change in the batch), and every change waiting on it
 * fails (the registrar answers 500). Changes collected meanwhile to the same AoRs were computed on
 * top of the failed ones, so they fail too; other AoRs are unaffected.
 *
 * Without a persistence backend (db_mode 0, memory only) every change succeeds at once and a
 * restart forgets every binding. Expiry sweeps acknowledge nobody: their deletes ride along with
 * the next batch and are only reported when they fail.
 */
import type { MessageSource } from '../../core/index.js';
import type { Binding } from '../registrar/binding.js';
import { AddressIndex } from './address-index.js';

/** Where bindings live durably (implemented over src/store). */
export interface LocationPersistence {
  loadAll(): Promise<Binding[]>;
  /** Apply the changes in order in one transaction: all commit, or none does and it throws. */
  applyBatch(changes: readonly LocationWrite[]): Promise<void>;
  /** Throws when the binding can never be stored (e.g. a value longer than its column). */
  validate?(b: Binding): void;
}

/** One pending change of the durable copy. */
export type LocationWrite =
  { kind: 'upsert'; binding: Binding } | { kind: 'delete'; binding: Binding } | { kind: 'deleteAor'; aor: string };

export interface LocationEvents {
  /** a binding expired or was removed by an administrator */
  onRemoved?(b: Binding, why: 'expired' | 'removed'): void;
  /** the first failed write of an outage (logged once by the caller) */
  onOutage?(err: unknown): void;
  /** the first successful write after an outage */
  onRecovered?(): void;
}

export interface GroupCommitOptions {
  /** How long changes are collected before a batch is written (ms). Default 10. */
  collectMs?: number;
  /** A batch is written at once when it holds this many writes. Default 500. */
  maxBatch?: number;
}

/** Why a change was not stored; the memory copy is as it was before the change. */
export class LocationNotStored extends Error {
  constructor(
    /** invalid: this binding can never be stored; unavailable: the database did not take the write */
    readonly why: 'invalid' | 'unavailable',
    override readonly cause: unknown,
  ) {
    super(`location not stored (${why}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** A change someone waits on (a REGISTER's 200, a management call's answer). */
interface Waiter {
  aor: string;
  resolve(): void;
  reject(err: unknown): void;
}

interface Batch {
  /** keyed "r:<ruid>" or "a:<aor>", in the order they must apply */
  writes: Map<string, LocationWrite>;
  /** each touched AoR as it was before the batch's first change to it (undefined: no bindings) */
  before: Map<string, Binding[] | undefined>;
  waiters: Waiter[];
}

const aorOf = (w: LocationWrite): string => (w.kind === 'deleteAor' ? w.aor : w.binding.aor);

/**
 * A list kept for as long as the AoR is registered, without spare room: an array that grew by
 * push() has room for 17 elements (V8 grows by half + 16), 64 bytes more per AoR than one binding
 * needs; slice() allocates exactly the length.
 */
const exact = (list: Binding[]): Binding[] => list.slice();

export class LocationService {
  private readonly byAor = new Map<string, Binding[]>();
  /** Contact URI text → binding, for routing in-dialog requests to NAT'd user agents. */
  private readonly byContact = new Map<string, Binding>();
  /** Where the registered user agents are (contact, registration source, connection). */
  private readonly addresses = new AddressIndex();
  /** The batch collecting changes (not yet handed to the database). */
  private collecting: Batch | undefined;
  /** Settles when the batch being written has been committed or has failed. */
  private writing: Promise<void> | undefined;
  private collectTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** No binding expires before this (ms since the epoch): a lower bound, exact after each sweep. */
  private nextExpiry = Infinity;
  /** A write failed and none has succeeded since (the outage is logged once). */
  private down = false;
  private readonly collectMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly persistence: LocationPersistence | undefined,
    private readonly now: () => number = Date.now,
    private readonly events: LocationEvents = {},
    opts: GroupCommitOptions = {},
  ) {
    this.collectMs = opts.collectMs ?? 10;
    this.maxBatch = opts.maxBatch ?? 500;
  }

  /** Memory only (db_mode 0): nothing is written, a restart forgets every binding. */
  get memoryOnly(): boolean {
    return this.persistence === undefined;
  }

  /** The last write failed and none has succeeded since. */
  get unavailable(): boolean {
    return this.down;
  }

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
      this.index(b);
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

  /**
   * Remove bindings whose time has come. Returns how many.
   *
   * Runs every second. Nothing is looked at before the earliest expiry of any binding (a bound
   * kept as bindings come in): phones that refresh their registrations before they run out
   * never make it walk the 100,000 AoRs. When it does walk, it allocates nothing per AoR
   * (Map.forEach, no [key, value] pair per entry: such a walk made 6 MB of garbage a second at
   * 100,000 AoRs, so V8 never found sipd quiet enough to give its young generation back).
   */
  sweep(): number {
    const now = this.now();
    if (now < this.nextExpiry) return 0;
    let removed = 0;
    let next = Infinity;
    this.byAor.forEach((list, aor) => {
      let expired = false;
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!.expires;
        if (e === 0) continue;
        if (e <= now) expired = true;
        else if (e < next) next = e;
      }
      if (expired) removed += this.expire(aor, list, now);
    });
    this.nextExpiry = next;
    return removed;
  }

  /** Drop the expired bindings of one AoR (sweep); returns how many. */
  private expire(aor: string, list: readonly Binding[], now: number): number {
    this.snapshot(aor);
    const keep = list.filter((b) => b.expires === 0 || b.expires > now);
    for (const b of list) {
      if (keep.includes(b)) continue;
      this.unindex(b);
      this.write({ kind: 'delete', binding: b });
      this.events.onRemoved?.(b, 'expired');
    }
    if (keep.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, exact(keep));
    return list.length - keep.length;
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
   * the request together, §10.3 step 7, so the next REGISTER builds on it); the promise settles
   * when the database has committed the change (reject: LocationNotStored, memory restored).
   */
  apply(aor: string, bindings: Binding[], changed: readonly Binding[], removed: readonly Binding[]): Promise<void> {
    const invalid = this.invalid(changed);
    if (invalid) return Promise.reject(invalid);
    this.snapshot(aor);
    this.dropReplaced(this.byAor.get(aor), bindings);
    if (bindings.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, exact(bindings));
    for (const b of removed) this.unindex(b);
    for (const b of bindings) this.index(b);
    for (const b of removed) this.write({ kind: 'delete', binding: b });
    for (const b of changed) this.write({ kind: 'upsert', binding: b });
    return this.committed(aor);
  }

  /** Add or replace one binding (ul.add); settles when committed. */
  add(b: Binding): Promise<void> {
    const invalid = this.invalid([b]);
    if (invalid) return Promise.reject(invalid);
    this.snapshot(b.aor);
    const old = this.byAor.get(b.aor);
    const list = (old ?? []).filter((x) => x.contact !== b.contact);
    list.push(b);
    this.dropReplaced(old, list);
    this.byAor.set(b.aor, exact(list));
    this.index(b);
    this.write({ kind: 'upsert', binding: b });
    return this.committed(b.aor);
  }

  /** Remove all bindings of an AoR (ul.rm). Resolves to how many were removed, once committed. */
  async removeAor(aor: string): Promise<number> {
    const list = this.byAor.get(aor) ?? [];
    this.snapshot(aor);
    this.byAor.delete(aor);
    for (const b of list) this.unindex(b);
    this.write({ kind: 'deleteAor', aor });
    await this.committed(aor);
    for (const b of list) this.events.onRemoved?.(b, 'removed');
    return list.length;
  }

  /** Remove one contact of an AoR (ul.rm_contact, NAT keepalive). Resolves once committed. */
  async removeContact(aor: string, contact: string): Promise<boolean> {
    const list = this.byAor.get(aor);
    if (!list) return false;
    const idx = list.findIndex((b) => b.contact === contact);
    if (idx < 0) return false;
    this.snapshot(aor);
    const b = list[idx]!;
    const rest = list.filter((x) => x !== b);
    if (rest.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, exact(rest));
    this.unindex(b);
    this.write({ kind: 'delete', binding: b });
    await this.committed(aor);
    this.events.onRemoved?.(b, 'removed');
    return true;
  }

  /**
   * Changes another worker of this sipd has committed (cluster/location-replication.ts): applied
   * to memory only (that worker wrote the database), binding by binding (a binding is its ruid).
   */
  applyReplicated(writes: readonly LocationWrite[]): void {
    for (const w of writes) {
      if (w.kind === 'deleteAor') {
        for (const b of this.byAor.get(w.aor) ?? []) this.unindex(b);
        this.byAor.delete(w.aor);
        continue;
      }
      const b = w.binding;
      const old = this.byAor.get(b.aor) ?? [];
      // A refreshed binding keeps its ruid; ul.add replaces by contact: either is the same binding.
      const rest = old.filter((x) => x.ruid !== b.ruid && (w.kind === 'delete' || x.contact !== b.contact));
      for (const x of old) if (!rest.includes(x)) this.unindex(x);
      if (w.kind === 'upsert') {
        rest.push(b);
        this.index(b);
      }
      if (rest.length === 0) this.byAor.delete(b.aor);
      else this.byAor.set(b.aor, exact(rest));
    }
  }

  /** Every binding as the writes that recreate it (a worker starting without a database copy). */
  snapshotWrites(): LocationWrite[] {
    const out: LocationWrite[] = [];
    for (const list of this.byAor.values()) for (const binding of list) out.push({ kind: 'upsert', binding });
    return out;
  }

  /** Bindings in memory (expired ones until the sweep drops them): a cheap count for memory upkeep. */
  get indexedContacts(): number {
    return this.byContact.size;
  }

  /** The live binding whose Contact is exactly this URI text (in-dialog requests to a registered UA). */
  findContact(contact: string): Binding | undefined {
    const b = this.byContact.get(contact);
    return b && (b.expires === 0 || b.expires > this.now()) ? b : undefined;
  }

  /** Whether a message comes from where one of our user agents registered from. */
  isRegisteredSource(source: MessageSource): boolean {
    return this.addresses.hasSource(source);
  }

  /** Whether a registered Contact (or the source it registered from) is at host:port. */
  isRegisteredAddress(host: string, port: number): boolean {
    return this.addresses.hasAddress(host, port);
  }

  private index(b: Binding): void {
    if (b.expires !== 0 && b.expires < this.nextExpiry) this.nextExpiry = b.expires;
    this.byContact.set(b.contact, b);
    this.addresses.add(b);
  }

  /** Bindings of `old` that `next` replaced by new objects (a refreshed contact) leave the indexes. */
  private dropReplaced(old: readonly Binding[] | undefined, next: readonly Binding[]): void {
    if (!old) return;
    for (const b of old) if (!next.includes(b)) this.unindex(b);
  }

  private unindex(b: Binding): void {
    this.addresses.remove(b);
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
    // Plain loops: a callback closing over `now` per AoR was 9 MB of garbage per call at 100,000.
    for (const list of this.byAor.values()) {
      let live = 0;
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!.expires;
        if (e === 0 || e > now) live++;
      }
      if (live > 0) users++;
      contacts += live;
    }
    return { users, contacts };
  }

  /** Write what is pending now and wait until every batch has been committed or has failed (stop). */
  async flush(): Promise<void> {
    // Bounded: each round writes one batch; new changes during a stop are few.
    for (let round = 0; round < 1000 && (this.collecting || this.writing); round++) {
      this.startWriting();
      await this.writing;
    }
  }

  /** The reason a change cannot be stored, checked before memory changes. */
  private invalid(bindings: readonly Binding[]): LocationNotStored | undefined {
    const check = this.persistence?.validate;
    if (!check) return undefined;
    for (const b of bindings) {
      try {
        check.call(this.persistence, b);
      } catch (err) {
        return new LocationNotStored('invalid', err);
      }
    }
    return undefined;
  }

  private batch(): Batch {
    return (this.collecting ??= { writes: new Map(), before: new Map(), waiters: [] });
  }

  /** Remember an AoR as it is before the collecting batch's first change to it. */
  private snapshot(aor: string): void {
    if (!this.persistence) return;
    const before = this.batch().before;
    if (before.has(aor)) return;
    const list = this.byAor.get(aor);
    before.set(aor, list ? [...list] : undefined);
  }

  /** Put the memory copy of an AoR back as it was. */
  private restore(aor: string, list: Binding[] | undefined): void {
    for (const b of this.byAor.get(aor) ?? []) this.unindex(b);
    if (list === undefined || list.length === 0) this.byAor.delete(aor);
    else {
      this.byAor.set(aor, list);
      for (const b of list) this.index(b);
    }
  }

  private write(w: LocationWrite): void {
    if (!this.persistence) return;
    const writes = this.batch().writes;
    if (w.kind === 'deleteAor') {
      // Earlier changes to that AoR's bindings are moot: the rows go anyway.
      for (const [k, x] of writes) if (x.kind !== 'deleteAor' && x.binding.aor === w.aor) writes.delete(k);
      writes.set('a:' + w.aor, w);
    } else writes.set('r:' + w.binding.ruid, w);
    this.schedule();
  }

  /** A promise that settles when the collecting batch (holding this AoR's change) is committed. */
  private committed(aor: string): Promise<void> {
    if (!this.persistence) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.batch().waiters.push({ aor, resolve, reject }));
    this.schedule();
    return p;
  }

  private schedule(): void {
    const b = this.collecting;
    if (!b || this.writing) return; // the running batch starts the next one when it ends
    if (b.writes.size >= this.maxBatch) this.startWriting();
    else if (this.collectTimer === undefined) {
      this.collectTimer = setTimeout(() => this.startWriting(), this.collectMs);
    }
  }

  /** Hand the collecting batch to the database, unless one is being written (batches apply in order). */
  private startWriting(): void {
    if (this.collectTimer !== undefined) clearTimeout(this.collectTimer);
    this.collectTimer = undefined;
    const p = this.persistence;
    const b = this.collecting;
    if (!p || !b || this.writing) return;
    this.collecting = undefined;
    this.writing = this.writeBatch(p, b).then(() => {
      this.writing = undefined;
      // What arrived while the batch was written has waited one commit already: write it now.
      if (this.collecting) this.startWriting();
    });
  }

  private async writeBatch(p: LocationPersistence, b: Batch): Promise<void> {
    // Only queries (a REGISTER without Contact): nothing to commit, and nothing learnt about the database.
    if (b.writes.size === 0) {
      for (const w of b.waiters) w.resolve();
      return;
    }
    try {
      await p.applyBatch([...b.writes.values()]);
    } catch (err) {
      this.batchFailed(b, err);
      return;
    }
    if (this.down) {
      this.down = false;
      this.events.onRecovered?.();
    }
    for (const w of b.waiters) w.resolve();
  }

  private batchFailed(b: Batch, err: unknown): void {
    if (!this.down) {
      this.down = true;
      this.events.onOutage?.(err);
    }
    const fail = new LocationNotStored('unavailable', err);
    // Changes collected meanwhile to the same AoRs were computed on top of the failed ones.
    const next = this.collecting;
    if (next) {
      for (const aor of b.before.keys()) {
        if (!next.before.delete(aor)) continue;
        for (const [k, w] of next.writes) if (aorOf(w) === aor) next.writes.delete(k);
        next.waiters = next.waiters.filter((w) => w.aor !== aor || (w.reject(fail), false));
      }
    }
    for (const [aor, list] of b.before) this.restore(aor, list);
    for (const w of b.waiters) w.reject(fail);
  }
}
