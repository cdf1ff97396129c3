/**
 * Typed views of Digest challenges and credentials over the generic auth-param grammar
 * (src/core/grammar/auth-params.ts), and their formatting with the quoting RFC 7616 §3.3-3.4 and
 * RFC 3261 §25.1 prescribe. All strings are wire (latin1) strings with quotes removed; use
 * decodeText() to show a username or realm to a person.
 */
import { SipParseError } from '../errors.js';
import { formatAuthValue, parseAuthValue, type AuthParamOut, type AuthValue } from '../grammar/auth-params.js';

/** A parsed `Digest` challenge (WWW-Authenticate / Proxy-Authenticate). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** The algorithm token as written, or "MD5" when absent (RFC 2617 §3.2.1). */
  algorithm: string;
  /** qop-options, lower-cased, in the server's order; empty when the server sent none. */
  qop: string[];
  /** stale=true: the previous nonce expired, retry without asking the user (RFC 2617 §3.2.1). */
  stale: boolean;
  opaque?: string;
  domain?: string;
  /** RFC 7616 §3.4.4: the server wants the username hashed. */
  userhash: boolean;
  /** Every parameter, for extensions (lower-case names). */
  params: Map<string, string>;
}

/** Parsed `Digest` credentials (Authorization / Proxy-Authorization). */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  /** digest-uri: the Request-URI the client hashed. */
  uri: string;
  response: string;
  /** As written; absent means MD5. */
  algorithm?: string;
  /** The message-qop as written (lower-cased); absent in the RFC 2069 form. */
  qop?: string;
  /** nonce-count: 8 hex digits as written. */
  nc?: string;
  cnonce?: string;
  opaque?: string;
  userhash: boolean;
  params: Map<string, string>;
}

function bad(header: string, why: string): SipParseError {
  return new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed Digest ${header}: ${why}`, { header });
}

function digestValue(value: string | AuthValue, header: string): AuthValue {
  const v = typeof value === 'string' ? parseAuthValue(value, header) : value;
  if (v.scheme.toLowerCase() !== 'digest') throw bad(header, `scheme is "${v.scheme}", not Digest`);
  return v;
}

function required(v: AuthValue, name: string, header: string): string {
  const x = v.params.get(name);
  if (x === undefined) throw bad(header, `no ${name} parameter`);
  return x;
}

/** RFC 8187 ext-value of `username*` (RFC 7616 §3.4.4): UTF-8''percent-encoded → wire string. */
function extValue(s: string, header: string): string {
  const m = /^([A-Za-z0-9!#$%&+\-^_`{}~]+)'[^']*'(.*)$/.exec(s);
  if (m === null || m[1]!.toLowerCase() !== 'utf-8') throw bad(header, 'username* is not a UTF-8 ext-value');
  // Percent-decoding yields bytes; as a latin1 string they are what a quoted username would hold.
  return m[2]!.replace(/%([0-9a-fA-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * Parse a Digest challenge.
 * @throws SipParseError when the value is not a Digest challenge or lacks realm or nonce.
 */
export function parseDigestChallenge(value: string | AuthValue, header = 'www-authenticate'): DigestChallenge {
  const v = digestValue(value, header);
  const qop = v.params.get('qop');
  const ch: DigestChallenge = {
    realm: required(v, 'realm', header),
    nonce: required(v, 'nonce', header),
    algorithm: v.params.get('algorithm') ?? 'MD5',
    qop:
      qop === undefined
        ? []
        : qop
            .split(',')
            .map((q) => q.trim().toLowerCase())
            .filter((q) => q !== ''),
    stale: v.params.get('stale')?.toLowerCase() === 'true',
    userhash: v.params.get('userhash')?.toLowerCase() === 'true',
    params: v.params,
  };
  const opaque = v.params.get('opaque');
  if (opaque !== undefined) ch.opaque = opaque;
  const domain = v.params.get('domain');
  if (domain !== undefined) ch.domain = domain;
  return ch;
}

/**
 * Parse Digest credentials. Checks what RFC 2617 §3.2.2 makes mandatory: username (or
 * `username*`), realm, nonce, uri, response; with qop also nc (8 hex digits) and cnonce.
 * @throws SipParseError with header `authorization` (or the one given).
 */
export function parseDigestCredentials(value: string | AuthValue, header = 'authorization'): DigestCredentials {
  const v = digestValue(value, header);
  const star = v.params.get('username*');
  const plain = v.params.get('username');
  if (star !== undefined && plain !== undefined) throw bad(header, 'both username and username*');
  const username = star !== undefined ? extValue(star, header) : required(v, 'username', header);
  const cr: DigestCredentials = {
    username,
    realm: required(v, 'realm', header),
    nonce: required(v, 'nonce', header),
    uri: required(v, 'uri', header),
    response: required(v, 'response', header),
    userhash: v.params.get('userhash')?.toLowerCase() === 'true',
    params: v.params,
  };
  for (const k of ['algorithm', 'nc', 'cnonce', 'opaque'] as const) {
    const x = v.params.get(k);
    if (x !== undefined) cr[k] = x;
  }
  const qop = v.params.get('qop');
  if (qop !== undefined) {
    cr.qop = qop.toLowerCase();
    if (cr.cnonce === undefined) throw bad(header, 'qop without cnonce');
    if (cr.nc === undefined) throw bad(header, 'qop without nc');
  }
  if (cr.nc !== undefined && !/^[0-9a-fA-F]{8}$/.test(cr.nc)) throw bad(header, `nc "${cr.nc}" is not 8 hex digits`);
  return cr;
}

/**
 * The Digest credentials for `realm` among the Authorization (or Proxy-Authorization) values of a
 * request: a request may carry credentials for several realms (RFC 3261 §22.3, §22.4). Values
 * that are not Digest or do not parse are skipped, so that the caller challenges again.
 */
export function credentialsForRealm(
  values: readonly string[],
  realm: string,
  header = 'authorization',
): DigestCredentials | undefined {
  for (const value of values) {
    try {
      const cr = parseDigestCredentials(value, header);
      if (cr.realm === realm) return cr;
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
  return undefined;
}

/** What formatDigestChallenge writes. */
export interface DigestChallengeInit {
  realm: string;
  nonce: string;
  /** Omitted from the header when undefined (which means MD5). */
  algorithm?: string | undefined;
  qop?: readonly string[] | undefined;
  stale?: boolean | undefined;
  opaque?: string | undefined;
  domain?: string | undefined;
}

/**
 * `Digest realm="…", [domain="…", ]nonce="…"[, opaque="…"][, stale=true][, algorithm=X][, qop="auth"]`:
 * realm, domain, nonce, opaque and qop-options quoted, stale and algorithm bare (RFC 7616 §3.3).
 */
export function formatDigestChallenge(c: DigestChallengeInit): string {
  const p: AuthParamOut[] = [['realm', c.realm, true]];
  if (c.domain !== undefined) p.push(['domain', c.domain, true]);
  p.push(['nonce', c.nonce, true]);
  if (c.opaque !== undefined) p.push(['opaque', c.opaque, true]);
  if (c.stale === true) p.push(['stale', 'true']);
  if (c.algorithm !== undefined) p.push(['algorithm', c.algorithm]);
  if (c.qop !== undefined && c.qop.length > 0) p.push(['qop', c.qop.join(','), true]);
  return formatAuthValue('Digest', p);
}

/** What formatDigestCredentials writes. */
export interface DigestCredentialsInit {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string | undefined;
  qop?: string | undefined;
  nc?: string | undefined;
  cnonce?: string | undefined;
  opaque?: string | undefined;
  userhash?: boolean | undefined;
}

/**
 * `Digest username="…", realm="…", nonce="…", uri="…", response="…"[, algorithm=X][, cnonce="…"]
 * [, opaque="…"][, qop=auth, nc=00000001][, userhash=true]`: qop, nc and algorithm bare, the others
 * quoted (RFC 2617 §3.2.2, RFC 3261 §25.1 `message-qop`, `nonce-count`).
 */
export function formatDigestCredentials(c: DigestCredentialsInit): string {
  const p: AuthParamOut[] = [
    ['username', c.username, true],
    ['realm', c.realm, true],
    ['nonce', c.nonce, true],
    ['uri', c.uri, true],
    ['response', c.response, true],
  ];
  if (c.algorithm !== undefined) p.push(['algorithm', c.algorithm]);
  if (c.cnonce !== undefined) p.push(['cnonce', c.cnonce, true]);
  if (c.opaque !== undefined) p.push(['opaque', c.opaque, true]);
  if (c.qop !== undefined) p.push(['qop', c.qop]);
  if (c.nc !== undefined) p.push(['nc', c.nc]);
  if (c.userhash === true) p.push(['userhash', 'true']);
  return formatAuthValue('Digest', p);
}
