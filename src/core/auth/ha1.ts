/**
 * HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2, RFC 7616 §3.4.2), the hash that
 * subscriber tables store instead of the password. Kamailio's `ha1b` column holds the same hash
 * computed with "user@domain" as the username, for user agents that send that form.
 */
import { nodeCrypto } from '../lazy-builtins.js';

/** Digest algorithms we support (RFC 8760 names). */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Lower-case hex digest of a string (bytes: UTF-8). */
export function digestHex(algorithm: DigestAlgorithm, data: string): string {
  return nodeCrypto().createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex');
}

export function computeHa1(
  username: string,
  realm: string,
  password: string,
  algorithm: DigestAlgorithm = 'MD5',
): string {
  return digestHex(algorithm, `${username}:${realm}:${password}`);
}

/** Kamailio's ha1b: the HA1 of "username@domain" (kamctl `_gen_ha1b`). */
export function computeHa1b(
  username: string,
  domain: string,
  realm: string,
  password: string,
  algorithm: DigestAlgorithm = 'MD5',
): string {
  return digestHex(algorithm, `${username}@${domain}:${realm}:${password}`);
}
