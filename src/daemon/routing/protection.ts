/**
 * Flood and brute-force protection (Kamailio's pike + an htable ban list): a per-source request
 * rate limit over a sliding window, and a temporary ban of sources that fail authentication too
 * often. Both work on the source IP address; exempt prefixes (trusted gateways, loopback in
 * tests and benchmarks) are never limited. Memory is bounded: stale entries are dropped.
 */
import { BlockList, isIPv4 } from 'node:net';

export interface ProtectionPolicy {
  /** requests per source per window; 0 = no limit */
  rateLimit: number;
  /** seconds */
  rateWindow: number;
  /** auth failures per source within banWindow that trigger a ban; 0 = never ban */
  banFailures: number;
  /** seconds */
  banWindow: number;
  /** seconds a ban lasts */
  banTime: number;
  /** addresses or CIDR prefixes never limited or banned */
  exempt: readonly string[];
}

interface Counter {
  start: number;
  count: number;
}

const MAX_TRACKED = 100_000;

export class Protection {
  private readonly rates = new Map<string, Counter>();
  private readonly failures = new Map<string, Counter>();
  private readonly bans = new Map<string, number>();
  private readonly exempt = new BlockList();
  private lastSweep = 0;

  constructor(
    private readonly policy: ProtectionPolicy,
    private readonly now: () => number = Date.now,
  ) {
    for (const e of policy.exempt) {
      const [addr, bits] = e.split('/');
      const type = isIPv4(addr!) ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.exempt.addAddress(addr!, type);
      else this.exempt.addSubnet(addr!, Number(bits), type);
    }
  }

  isExempt(ip: string): boolean {
    return this.exempt.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  }

  /** Whether a request from `ip` may be processed: not banned and within the rate limit. */
  admit(ip: string): 'ok' | 'banned' | 'rate-limited' {
    const now = this.now();
    this.maybeSweep(now);
    const banned = this.bans.get(ip);
    if (banned !== undefined) {
      if (banned > now) return 'banned';
      this.bans.delete(ip);
    }
    if (this.policy.rateLimit === 0 || this.isExempt(ip)) return 'ok';
    const windowMs = this.policy.rateWindow * 1000;
    let c = this.rates.get(ip);
    if (c === undefined || now - c.start >= windowMs) {
      c = { start: now, count: 0 };
      this.rates.set(ip, c);
    }
    c.count++;
    return c.count > this.policy.rateLimit ? 'rate-limited' : 'ok';
  }

  /** Count an authentication failure; returns true when this failure bans the source. */
  authFailed(ip: string): boolean {
    if (this.policy.banFailures === 0 || this.isExempt(ip)) return false;
    const now = this.now();
    const windowMs = this.policy.banWindow * 1000;
    let c = this.failures.get(ip);
    if (c === undefined || now - c.start >= windowMs) {
      c = { start: now, count: 0 };
      this.failures.set(ip, c);
    }
    c.count++;
    if (c.count < this.policy.banFailures) return false;
    this.failures.delete(ip);
    this.bans.set(ip, now + this.policy.banTime * 1000);
    return true;
  }

  /** A successful authentication clears the source's failure count. */
  authSucceeded(ip: string): void {
    this.failures.delete(ip);
  }

  /** Sources banned now, with the time their ban ends. */
  banned(): Array<{ address: string; until: number }> {
    const now = this.now();
    return [...this.bans].filter(([, t]) => t > now).map(([address, until]) => ({ address, until }));
  }

  unban(ip: string): boolean {
    return this.bans.delete(ip);
  }

  private maybeSweep(now: number): void {
    if (now - this.lastSweep < 10_000 && this.rates.size < MAX_TRACKED && this.failures.size < MAX_TRACKED) return;
    this.lastSweep = now;
    const rateMs = this.policy.rateWindow * 1000;
    for (const [k, c] of this.rates) if (now - c.start >= rateMs) this.rates.delete(k);
    const banMs = this.policy.banWindow * 1000;
    for (const [k, c] of this.failures) if (now - c.start >= banMs) this.failures.delete(k);
    for (const [k, t] of this.bans) if (t <= now) this.bans.delete(k);
    // Still too many (a spread-out flood): forget the oldest half rather than grow.
    for (const m of [this.rates, this.failures]) {
      if (m.size < MAX_TRACKED) continue;
      let drop = m.size / 2;
      for (const k of m.keys()) {
        if (drop-- <= 0) break;
        m.delete(k);
      }
    }
  }
}
