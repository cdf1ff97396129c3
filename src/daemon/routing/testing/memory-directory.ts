/**
 * The directory of the test harness: subscribers, aliases, ACL groups, preferences and domains
 * given as plain data. Passwords are hashed into HA1/HA1b/HA1-SHA-256 for the realm, as the
 * subscriber table holds them, so the real AuthGuard checks them as it does in sipd.
 */
import { computeHa1, computeHa1b } from '../../../core/index.js';
import type { Subscriber } from '../../../store/index.js';
import type { DirectoryView } from '../api/services.js';

export interface DirectoryData {
  /** served domains (lower-case); the domains of subscribers are served too */
  domains?: readonly string[];
  /** "user@domain" → password */
  subscribers?: Readonly<Record<string, string>>;
  /** "alias@domain" → "user@domain" (dbaliases) */
  aliases?: Readonly<Record<string, string>>;
  /** "user@domain" → groups (grp) */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** "user@domain" → attribute → value (usr_preferences) */
  preferences?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** the digest realm; default: each subscriber's domain (sipd's `[auth] realm = ""`) */
  realm?: string;
}

/** "user@domain" with the domain lower-cased, as the directory keys it. */
export function aorKey(user: string, domain: string): string {
  return `${user}@${domain.toLowerCase()}`;
}

export function splitAor(aor: string): { user: string; domain: string } {
  const at = aor.lastIndexOf('@');
  if (at <= 0) throw new TypeError(`expected user@domain, got ${aor}`);
  return { user: aor.slice(0, at), domain: aor.slice(at + 1).toLowerCase() };
}

export class MemoryDirectory implements DirectoryView {
  private readonly domains = new Set<string>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly aliases = new Map<string, { username: string; domain: string }>();
  private readonly groups = new Map<string, Set<string>>();
  private readonly prefs = new Map<string, Map<string, string>>();

  constructor(data: DirectoryData = {}) {
    for (const d of data.domains ?? []) this.domains.add(d.toLowerCase());
    for (const [aor, password] of Object.entries(data.subscribers ?? {})) this.addSubscriber(aor, password, data.realm);
    for (const [alias, target] of Object.entries(data.aliases ?? {})) {
      const a = splitAor(alias);
      const t = splitAor(target);
      this.aliases.set(aorKey(a.user, a.domain), { username: t.user, domain: t.domain });
    }
    for (const [aor, list] of Object.entries(data.groups ?? {})) {
      const { user, domain } = splitAor(aor);
      this.groups.set(aorKey(user, domain), new Set(list));
    }
    for (const [aor, attrs] of Object.entries(data.preferences ?? {})) {
      const { user, domain } = splitAor(aor);
      this.prefs.set(aorKey(user, domain), new Map(Object.entries(attrs)));
    }
  }

  /** Add a subscriber ("user@domain") whose password hashes for `realm` (default: its domain). */
  addSubscriber(aor: string, password: string, realm?: string): void {
    const { user, domain } = splitAor(aor);
    const r = realm || domain;
    this.domains.add(domain);
    this.subscribers.set(aorKey(user, domain), {
      id: this.subscribers.size + 1,
      username: user,
      domain,
      password,
      ha1: computeHa1(user, r, password),
      ha1b: computeHa1b(user, domain, r, password),
      ha1Sha256: computeHa1(user, r, password, 'SHA-256'),
    });
  }

  /** Set one preference (avp) of a user. */
  setPreference(aor: string, attribute: string, value: string): void {
    const { user, domain } = splitAor(aor);
    const key = aorKey(user, domain);
    const m = this.prefs.get(key) ?? new Map<string, string>();
    m.set(attribute, value);
    this.prefs.set(key, m);
  }

  /** the served domains */
  domainList(): readonly string[] {
    return [...this.domains];
  }

  isLocalDomain(host: string): boolean {
    return this.domains.has(host.toLowerCase());
  }

  /** Everything is in memory: a missing subscriber is known missing (null). */
  cached(user: string, domain: string): Subscriber | null {
    return this.subscribers.get(aorKey(user, domain)) ?? null;
  }

  findSubscriber(user: string, domain: string): Promise<Subscriber | undefined> {
    return Promise.resolve(this.subscribers.get(aorKey(user, domain)));
  }

  resolveAlias(user: string, domain: string): { username: string; domain: string } | undefined {
    return this.aliases.get(aorKey(user, domain));
  }

  inGroup(user: string, domain: string, group: string): boolean {
    return this.groups.get(aorKey(user, domain))?.has(group) === true;
  }

  preferences(user: string, domain: string): ReadonlyMap<string, string> {
    return this.prefs.get(aorKey(user, domain)) ?? new Map();
  }
}
