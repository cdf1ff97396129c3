/**
 * Folder daemon/directory/: who sipd serves, read from the provisioning tables (this file, the
 * cache), and the management methods that reload it (directory-methods.ts: cache.reload,
 * domain.reload, domain.dump).
 *
 * sipd's in-memory copy of the provisioning tables: subscribers (for their HA1s), aliases
 * (dbaliases), group membership (grp), user preferences (usr_preferences) and domains. The
 * database is the durable copy; sipctl asks a running sipd to reload after it writes
 * (cache.reload / domain.reload). A subscriber missing from memory is looked up in the database
 * once (another node, or a write without reload), with a short negative cache so that scanners
 * trying random user names cannot turn every request into a query.
 */
import { compactString, ownString, StringTable } from '../../core/index.js';
import type { Store, Subscriber } from '../../store/index.js';

export interface DirectoryCounts {
  subscribers: number;
  aliases: number;
  groups: number;
  preferences: number;
  domains: number;
}

const key = (user: string, domain: string) => `${user}@${domain.toLowerCase()}`;

const EMPTY_PREFS: ReadonlyMap<string, string> = new Map();

export class Directory {
  private subscribers = new Map<string, Subscriber>();
  private aliases = new Map<string, { username: string; domain: string }>();
  private groups = new Set<string>();
  /** usr_preferences by "user@domain" key, then attribute (the first row of an attribute wins) */
  private prefs = new Map<string, Map<string, string>>();
  private dbDomains = new Set<string>();
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly configDomains: readonly string[],
    private readonly now: () => number = Date.now,
    /** ms a database miss is remembered */
    private readonly negativeTtl = 5000,
  ) {}

  /** Load (or reload) every table. */
  async load(): Promise<DirectoryCounts> {
    await Promise.all([
      this.loadSubscribers(),
      this.loadAliases(),
      this.loadGroups(),
      this.loadPreferences(),
      this.loadDomains(),
    ]);
    return this.counts();
  }

  async loadSubscribers(): Promise<void> {
    const m = new Map<string, Subscriber>();
    // The database hands every row its own copy of the domain; 100,000 subscribers of a few
    // domains keep a few strings instead. The key is flattened (a "user@" + domain concatenation
    // is two strings, 24 bytes more than one).
    const domains = new StringTable(1024);
    for (const s of await this.store.subscribers.list()) {
      s.domain = domains.intern(s.domain);
      m.set(compactString(key(s.username, s.domain)), s);
    }
    this.subscribers = m;
    this.misses.clear();
  }

  async loadAliases(): Promise<void> {
    const m = new Map<string, { username: string; domain: string }>();
    for (const a of await this.store.aliases.list())
      m.set(key(a.aliasUsername, a.aliasDomain), { username: a.username, domain: a.domain });
    this.aliases = m;
  }

  async loadGroups(): Promise<void> {
    const s = new Set<string>();
    for (const g of await this.store.groups.list()) s.add(`${key(g.username, g.domain)}\n${g.group}`);
    this.groups = s;
  }

  async loadPreferences(): Promise<void> {
    const m = new Map<string, Map<string, string>>();
    // Rows keyed by user@domain (kamctl avp add user@domain ...); uuid-only rows are not per user.
    for (const p of await this.store.avps.list()) {
      if (!p.username || !p.domain) continue;
      const k = key(p.username, p.domain);
      let user = m.get(k);
      if (!user) m.set(k, (user = new Map()));
      if (!user.has(p.attribute)) user.set(p.attribute, p.value);
    }
    this.prefs = m;
  }

  async loadDomains(): Promise<void> {
    this.dbDomains = new Set((await this.store.domains.list()).map((d) => d.domain.toLowerCase()));
  }

  counts(): DirectoryCounts {
    return {
      subscribers: this.subscribers.size,
      aliases: this.aliases.size,
      groups: this.groups.size,
      preferences: [...this.prefs.values()].reduce((n, u) => n + u.size, 0),
      domains: this.dbDomains.size + this.configDomains.length,
    };
  }

  /** Domains we are responsible for: the configured ones plus the `domain` table. */
  isLocalDomain(host: string): boolean {
    const h = host.toLowerCase();
    return this.configDomains.includes(h) || this.dbDomains.has(h);
  }

  domains(): string[] {
    return [...new Set([...this.configDomains, ...this.dbDomains])].sort();
  }

  /** The subscriber from memory only (the hot path). */
  subscriber(user: string, domain: string): Subscriber | undefined {
    return this.subscribers.get(key(user, domain));
  }

  /**
   * What memory knows, synchronously: the subscriber, null when the database said "no such
   * subscriber" recently (negative cache), undefined when only the database can tell.
   */
  cached(user: string, domain: string): Subscriber | null | undefined {
    const k = key(user, domain);
    const hit = this.subscribers.get(k);
    if (hit) return hit;
    const missedAt = this.misses.get(k);
    return missedAt !== undefined && this.now() - missedAt < this.negativeTtl ? null : undefined;
  }

  /** The subscriber from memory, else from the database (remembered either way). */
  async findSubscriber(user: string, domain: string): Promise<Subscriber | undefined> {
    const k = key(user, domain);
    const hit = this.subscribers.get(k);
    if (hit) return hit;
    const missedAt = this.misses.get(k);
    if (missedAt !== undefined && this.now() - missedAt < this.negativeTtl) return undefined;
    const row = await this.store.subscribers.get(user, domain.toLowerCase());
    if (row) {
      this.subscribers.set(compactString(k), row);
      this.misses.delete(k);
      return row;
    }
    if (this.misses.size > 100_000) this.misses.clear();
    // Kept for negativeTtl: its own string, not a view into the request (core's own-string.ts).
    this.misses.set(ownString(k), this.now());
    return undefined;
  }

  /** The subscriber an alias points to (dbaliases), if the name is an alias. */
  resolveAlias(user: string, domain: string): { username: string; domain: string } | undefined {
    return this.aliases.get(key(user, domain));
  }

  inGroup(user: string, domain: string, group: string): boolean {
    return this.groups.has(`${key(user, domain)}\n${group}`);
  }

  /** A user preference (usr_preferences attribute), e.g. call forwarding targets. */
  preference(user: string, domain: string, attribute: string): string | undefined {
    return this.prefs.get(key(user, domain))?.get(attribute);
  }

  /** Every preference of a user (avp_db_load). */
  preferences(user: string, domain: string): ReadonlyMap<string, string> {
    return this.prefs.get(key(user, domain)) ?? EMPTY_PREFS;
  }
}
