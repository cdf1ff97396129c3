/**
 * Folder daemon/auth/: digest authentication of sipd's requests (this file); the HA1s it checks
 * come from directory/, and its failures feed routing/protection.ts.
 *
 * Digest authentication of requests (RFC 3261 §22): 401 + WWW-Authenticate for REGISTER at the
 * registrar, 407 + Proxy-Authenticate for requests the proxy authenticates. HA1s come from the
 * directory cache (the subscriber table: ha1, ha1b for "user@domain" usernames, ha1_sha256).
 *
 * An unknown user and a wrong password get the same answer (a new challenge), so user names
 * cannot be guessed; a stale nonce gets a challenge with stale=true; every failure counts
 * toward the source's ban (Protection).
 *
 * Credentials are bound to their request (RFC 3261 §22.4, RFC 2617 §3.2.2.5): the digest-uri
 * must equal the Request-URI as received (§19.1.4 URI equality) or name this server itself
 * (no user part; one of sipd's addresses with a port it listens on, or a served domain), which
 * is what SIPp sends (`sip:host:port`).
 */
import {
  credentialsForRealm,
  DigestServer,
  type DigestCredentials,
  type Ha1Query,
  type MessageSource,
  type ServerTransaction,
  type SipRequest,
  type SipUri,
} from '../../core/index.js';
import type { Subscriber } from '../../store/index.js';
import type { Directory } from '../directory/directory.js';
import type { Myself } from '../routing/myself.js';
import type { Protection } from '../routing/protection.js';

/** The server transaction, as far as answering goes (a test harness gives its own). */
type Replier = Pick<ServerTransaction, 'source' | 'state' | 'reply' | 'replyStateless'>;

/** What authentication reads from the directory (the test harness gives an in-memory one). */
export type SubscriberLookup = Pick<Directory, 'cached' | 'findSubscriber' | 'isLocalDomain'>;

export interface AuthCounters {
  challenges: { inc(): void };
  successes: { inc(): void };
  failures: { inc(): void };
  bans: { inc(): void };
}

export type AuthOutcome = { ok: true; username: string; domain: string } | { ok: false };
const NOT_OK: AuthOutcome = { ok: false };

export class AuthGuard {
  /** Which URIs name this server; set once the listeners are bound (SipModule.ready()). */
  myself: Myself | undefined;

  constructor(
    private readonly digest: DigestServer,
    private readonly directory: SubscriberLookup,
    private readonly protection: Protection,
    private readonly counters: AuthCounters,
    /** the configured realm; '' = the domain being authenticated */
    private readonly realm: string,
  ) {}

  realmFor(domain: string): string {
    return this.realm || domain.toLowerCase();
  }

  /**
   * Authenticate `req` for a user of `domain`. Answers the challenge itself (401 for REGISTER,
   * else 407) and gives { ok: false } when the request must stop here. Synchronous when the
   * subscriber is in memory (the usual case); a promise only when the database must be asked.
   */
  check(req: SipRequest, st: Replier, domain: string): AuthOutcome | Promise<AuthOutcome> {
    const www = req.method === 'REGISTER';
    const header = www ? 'authorization' : 'proxy-authorization';
    const realm = this.realmFor(domain);
    const creds = credentialsForRealm(req.getAll(header), realm, header);
    if (!creds) {
      this.challenge(st, www, realm, false);
      return NOT_OK;
    }
    // A username "user@domain" is the ha1b form (Kamailio's auth_db with use_domain).
    const name = creds.username;
    const at = name.lastIndexOf('@');
    const [user, userDomain] = at > 0 ? [name.slice(0, at), name.slice(at + 1)] : [name, domain];
    const cached = this.directory.cached(user, userDomain);
    if (cached !== undefined) return this.verify(req, st, creds, cached ?? undefined, realm, www);
    return this.directory.findSubscriber(user, userDomain).then((s) => this.verify(req, st, creds, s, realm, www));
  }

  private verify(
    req: SipRequest,
    st: Replier,
    creds: DigestCredentials,
    subscriber: Subscriber | undefined,
    realm: string,
    www: boolean,
  ): AuthOutcome {
    const result = this.digest.verify(creds, {
      method: req.method,
      requestUri: req.receivedUri,
      namesServer: this.namesServer,
      realm,
      ha1: (q: Ha1Query) => ha1Of(subscriber, q, creds.username),
    });
    const ip = st.source.remoteAddress;
    if (result.ok) {
      this.protection.authSucceeded(ip);
      this.counters.successes.inc();
      return { ok: true, username: subscriber!.username, domain: subscriber!.domain };
    }
    if (result.stale) {
      this.challenge(st, www, realm, true);
      return NOT_OK;
    }
    this.failed(st.source);
    this.challenge(st, www, realm, false);
    return NOT_OK;
  }

  private readonly namesServer = (uri: SipUri): boolean =>
    this.myself?.isUri(uri) === true ||
    (uri.port === undefined && this.directory.isLocalDomain(uri.host.toLowerCase()));

  /** Remove our credentials before forwarding (a proxy consumes what was meant for it, §22.3). */
  consume(req: SipRequest, domain: string): void {
    const realm = this.realmFor(domain);
    const header = req.method === 'REGISTER' ? 'authorization' : 'proxy-authorization';
    const values = req.getAll(header);
    if (values.length === 0) return;
    const keep = values.filter((v) => !credentialsForRealm([v], realm, header));
    req.removeAll(header);
    for (const v of keep) req.append(header, v);
  }

  private failed(source: MessageSource): void {
    this.counters.failures.inc();
    if (this.protection.authFailed(source.remoteAddress)) this.counters.bans.inc();
  }

  private challenge(st: Replier, www: boolean, realm: string, stale: boolean): void {
    const name = www ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const headers = this.digest.challenge({ realm, stale }).map((v): [string, string] => [name, v]);
    this.counters.challenges.inc();
    // Statelessly (RFC 3261 §8.2.7, §26.1.5), as Kamailio's auth_challenge answers without a
    // transaction: a flood of unauthenticated requests must not leave 32 s of state each.
    st.replyStateless(www ? 401 : 407, undefined, { headers });
  }
}

function ha1Of(s: Subscriber | undefined, q: Ha1Query, wireUser: string): string | undefined {
  if (!s) return undefined;
  const b = wireUser.includes('@');
  if (q.algorithm === 'SHA-256') return b ? undefined : (s.ha1Sha256 ?? undefined);
  return (b ? s.ha1b : s.ha1) || undefined;
}
