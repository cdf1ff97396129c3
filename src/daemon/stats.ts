/**
 * Statistics: counters and gauges by group, named `group.name` (Kamailio's `stats.fetch` keys).
 * The hot path holds a Counter object and calls `inc()` (one property add: no map lookup, no
 * string building). Gauges are set by their owner or read from a function at fetch time, which
 * costs nothing until someone asks.
 *
 * The well-known names (CORE_STATS) exist from start-up with value 0, so scripts and `sipd status`
 * can rely on them before the module that moves them is loaded.
 */

export class Counter {
  value = 0;
  constructor(
    readonly group: string,
    readonly name: string,
    readonly help: string,
  ) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class Gauge {
  value = 0;
  /** When set, the value is read from here at fetch time. */
  read?: () => number;
  constructor(
    readonly group: string,
    readonly name: string,
    readonly help: string,
  ) {}
  set(v: number): void {
    this.value = v;
  }
  inc(n = 1): void {
    this.value += n;
  }
  dec(n = 1): void {
    this.value -= n;
  }
  get(): number {
    return this.read ? this.read() : this.value;
  }
}

export type Stat = Counter | Gauge;

/** A selector not matching any statistic. */
export class UnknownStatError extends Error {
  constructor(readonly selector: string) {
    super(`no statistic or group '${selector}'`);
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;

export class StatsRegistry {
  private readonly stats = new Map<string, Stat>();

  /** The counter `group.name`, created at first call; later calls return the same object. */
  counter(group: string, name: string, help = ''): Counter {
    const s = this.getOrCreate(group, name, () => new Counter(group, name, help));
    if (!(s instanceof Counter)) throw new Error(`statistic ${group}.${name} is a gauge, not a counter`);
    return s;
  }

  /** The gauge `group.name`; with `read`, its value is computed at fetch time from that function. */
  gauge(group: string, name: string, read?: () => number, help = ''): Gauge {
    const s = this.getOrCreate(group, name, () => new Gauge(group, name, help));
    if (!(s instanceof Gauge)) throw new Error(`statistic ${group}.${name} is a counter, not a gauge`);
    if (read) s.read = read;
    return s;
  }

  /** Group names, sorted. */
  groups(): string[] {
    return [...new Set([...this.stats.values()].map((s) => s.group))].sort();
  }

  /** Every statistic, sorted by key. */
  list(): Stat[] {
    return [...this.stats.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }

  /**
   * Values by key, sorted. Selectors: none or `all` = everything; `group:` or `group.` = a group;
   * `group.name` or `group:name` = one statistic; a bare `name` = that name in any group.
   * An unknown selector throws UnknownStatError.
   */
  fetch(selectors: readonly string[] = []): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.select(selectors)) out[keyOf(s)] = s instanceof Gauge ? s.get() : s.value;
    return out;
  }

  /** Zeroes the selected counters (gauges reflect state and are left alone); returns their keys. */
  reset(selectors: readonly string[] = []): string[] {
    const done: string[] = [];
    for (const s of this.select(selectors)) {
      if (s instanceof Counter) {
        s.value = 0;
        done.push(keyOf(s));
      }
    }
    return done;
  }

  private select(selectors: readonly string[]): Stat[] {
    const all = this.list();
    if (selectors.length === 0 || selectors.includes('all')) return all;
    const picked = new Set<Stat>();
    for (const sel of selectors) {
      const m = /^([a-z][a-z0-9_]*)(?:[:.]([a-z0-9_]*))?$/i.exec(sel.trim());
      let hits: Stat[] = [];
      if (m && m[2] === undefined) {
        // A bare word: a statistic of that name in any group, else a group of that name.
        hits = all.filter((s) => s.name === m[1]);
        if (hits.length === 0) hits = all.filter((s) => s.group === m[1]);
      } else if (m && m[2] === '') hits = all.filter((s) => s.group === m[1]);
      else if (m) hits = all.filter((s) => s.group === m[1] && s.name === m[2]);
      if (hits.length === 0) throw new UnknownStatError(sel);
      for (const h of hits) picked.add(h);
    }
    return all.filter((s) => picked.has(s));
  }

  private getOrCreate(group: string, name: string, make: () => Stat): Stat {
    const key = `${group}.${name}`;
    let s = this.stats.get(key);
    if (!s) {
      if (!NAME.test(group) || !NAME.test(name)) throw new Error(`invalid statistic name ${key}: use [a-z0-9_]`);
      s = make();
      this.stats.set(key, s);
    }
    return s;
  }
}

const keyOf = (s: Stat) => `${s.group}.${s.name}`;

/** SIP methods that get their own `core.rcv_requests_<method>` counter; others count as `_other`. */
export const COUNTED_METHODS = [
  'invite',
  'ack',
  'bye',
  'cancel',
  'register',
  'options',
  'message',
  'subscribe',
  'notify',
  'refer',
  'info',
  'prack',
  'update',
  'publish',
] as const;

/**
 * The statistics sipd always has, created at start-up with their meaning. Modules may add more
 * under their own group.
 */
export function registerCoreStats(reg: StatsRegistry): void {
  const c = (g: string, n: string, h: string) => reg.counter(g, n, h);
  c('core', 'rcv_requests', 'requests received');
  for (const m of [...COUNTED_METHODS, 'other']) c('core', `rcv_requests_${m}`, `${m.toUpperCase()} requests received`);
  c('core', 'rcv_replies', 'replies received');
  for (const k of ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx']) c('core', `rcv_replies_${k}`, `${k} replies received`);
  c('core', 'fwd_requests', 'requests forwarded');
  c('core', 'fwd_replies', 'replies forwarded');
  c('core', 'drop_requests', 'requests dropped');
  c('core', 'drop_replies', 'replies dropped');
  c('core', 'err_requests', 'malformed requests (answered 400)');
  c('core', 'err_replies', 'malformed replies (dropped)');
  c('core', 'parse_errors', 'messages that failed to parse');
  c('tm', 'uas_transactions', 'server transactions created');
  c('tm', 'uac_transactions', 'client transactions created');
  reg.gauge('tm', 'current', undefined, 'transactions in progress');
  c('tm', 'timeouts', 'client transactions ended by a timer (408)');
  reg.gauge('usrloc', 'registered_users', undefined, 'AoRs with at least one binding');
  reg.gauge('usrloc', 'registered_contacts', undefined, 'active bindings (registrations)');
  c('registrar', 'accepted_regs', 'REGISTER requests accepted');
  c('registrar', 'rejected_regs', 'REGISTER requests rejected');
  c('auth', 'challenges', '401/407 challenges sent');
  c('auth', 'successes', 'requests authenticated');
  c('auth', 'failures', 'wrong credentials or unknown users');
  c('security', 'bans', 'sources banned');
  reg.gauge('security', 'banned', undefined, 'sources banned now');
  c('security', 'rate_limited', 'requests dropped by the per-source rate limit');
  c('security', 'relay_denied', 'requests refused (403) or ACKs dropped that would relay for a stranger');
}
