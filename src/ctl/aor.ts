/**
 * User arguments as kamctl takes them: `user`, `user@domain` or `sip:user@domain`. A user without
 * a domain gets the default domain (--domain, else SIP_DOMAIN); without one it is a usage error,
 * as in kamctl's set_user ("domain unknown: use usernames with domain or set default domain in
 * SIP_DOMAIN"). The domain is lower-cased (host names are case-insensitive, RFC 3261 §19.1.4);
 * the user part is kept as typed (it is case-sensitive).
 */
import { usageError } from '../shared/errors.js';

export interface UserRef {
  username: string;
  domain: string;
  /** `username@domain` */
  aor: string;
}

// RFC 3261 §25.1 user: unreserved / escaped / user-unreserved.
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
// A host name, an IPv4 address or a bracketed IPv6 reference.
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])$/;

/** Checks a domain name; returns it lower-cased. `what` names the argument in the error. */
export function parseDomain(text: string, what = 'domain'): string {
  const d = text.trim();
  if (!HOST.test(d)) {
    throw usageError(`invalid ${what} "${text}": expected a host name or an IP address`, [
      'for example example.com, sip.example.com or 192.0.2.10',
    ]);
  }
  return d.replace(/\.$/, '').toLowerCase();
}

/**
 * `user`, `user@domain` or `sip:user@domain` → user and domain. `defaultDomain` is the --domain
 * flag or SIP_DOMAIN; `what` names the argument in errors (e.g. "user", "alias").
 */
export function parseUser(text: string, defaultDomain: string | undefined, what = 'user'): UserRef {
  let t = text.trim();
  t = t.replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  let username: string;
  let domain: string;
  if (at >= 0) {
    username = t.slice(0, at);
    domain = t.slice(at + 1);
    if (domain === '') throw usageError(`invalid ${what} "${text}": nothing after "@"`);
  } else {
    username = t;
    if (defaultDomain === undefined || defaultDomain === '') {
      throw usageError(`${what} "${text}" has no @domain and no default domain is set`, [
        `write it as ${text}@DOMAIN`,
        'or pass --domain DOMAIN',
        'or set SIP_DOMAIN=DOMAIN in ~/.sipctlrc or the environment',
      ]);
    }
    domain = defaultDomain;
  }
  if (username === '') throw usageError(`invalid ${what} "${text}": the user part is empty`);
  if (!USER.test(username)) {
    throw usageError(`invalid ${what} "${text}": "${username}" is not a valid SIP user part`, [
      "use letters, digits and -_.!~*'()&=+$,;?/ (other characters percent-encoded)",
    ]);
  }
  domain = parseDomain(domain, `domain in ${what} "${text}"`);
  return { username, domain, aor: `${username}@${domain}` };
}
