/**
 * A request's AVPs: values the route sets for later hooks (failure_route reads what
 * request_route stored, as Kamailio's $avp) and users' preferences loaded from usr_preferences
 * (avp_db_load), e.g. the call forwarding targets cfu/cfb/cfna.
 */
import type { Avps } from './route.js';
import type { DirectoryView } from './services.js';

export class AvpStore implements Avps {
  private readonly values = new Map<string, string>();

  constructor(
    private readonly directory: DirectoryView,
    /** the owner when load() is called without one: the Request-URI's user@domain */
    private readonly defaultOwner: () => { user: string; domain: string } | undefined,
  ) {}

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  delete(name: string): void {
    this.values.delete(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  /** Loads a user's preferences (from the directory's cache: a promise for a future DB read). */
  load(user?: string, domain?: string): Promise<number> {
    const owner =
      user !== undefined ? { user, domain: domain ?? this.defaultOwner()?.domain ?? '' } : this.defaultOwner();
    if (!owner) return Promise.resolve(0);
    const prefs = this.directory.preferences(owner.user, owner.domain.toLowerCase());
    for (const [k, v] of prefs) this.values.set(k, v);
    return Promise.resolve(prefs.size);
  }
}
