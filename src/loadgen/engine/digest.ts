/**
 * Digest authentication for scenarios: the [authentication] keyword's header value (computed by
 * the core's digest client: MD5, SHA-256, -sess, qop auth/auth-int) written in SIPp's parameter
 * order, and the verifyauth action (checked with the core's digest math).
 */
// The modules themselves, not core/auth/index.js: that would also load the server side (nonces,
// digest-server) at every siptest start.
import { digestCredentials } from '../../core/auth/digest-client.js';
import { parseDigestCredentials } from '../../core/auth/digest-headers.js';
import {
  computeDigestResponse,
  digestEquals,
  hashOf,
  hashWire,
  parseDigestAlgorithm,
  type DigestQop,
} from '../../core/auth/digest-math.js';

export interface DigestInput {
  user: string;
  password: string;
  method: string;
  /** "sip:" + remote_ip:remote_port, or "sip:" + -auth_uri */
  uri: string;
  body: string;
  challenge: string;
  nonceCount: number;
}

/** The Authorization / Proxy-Authorization value, or an error text (a fatal scenario error). */
export function createDigest(i: DigestInput): { value: string } | { error: string } {
  let c;
  try {
    c = digestCredentials({
      challenge: i.challenge,
      method: i.method,
      uri: i.uri,
      username: i.user,
      password: i.password,
      body: i.body,
      nc: i.nonceCount,
      cnonce: Math.floor(Math.random() * 0x7fffffff).toString(16),
    });
  } catch (e) {
    return { error: `createAuthHeader: ${(e as Error).message}` };
  }
  // SIPp's layout: username, realm, [cnonce, nc, qop], uri, nonce, response, algorithm, [opaque].
  let v = `Digest username="${c.username}",realm="${c.realm}"`;
  if (c.qop) v += `,cnonce="${c.cnonce}",nc=${c.nc},qop=${c.qop}`;
  v += `,uri="${c.uri}",nonce="${c.nonce}",response="${c.response}",algorithm=${c.algorithm ?? 'MD5'}`;
  if (c.opaque !== undefined) v += `,opaque="${c.opaque}"`;
  return { value: v };
}

/** verifyauth: does `credentials` (an Authorization value) match this user and password? */
export function verifyDigest(
  user: string,
  password: string,
  method: string,
  credentials: string,
  body: string,
): boolean {
  try {
    const c = parseDigestCredentials(credentials);
    const algorithm = parseDigestAlgorithm(c.algorithm);
    if (!algorithm) return false;
    const ha1 = hashWire(hashOf(algorithm), `${user}:${c.realm}:${password}`);
    const expected = computeDigestResponse({
      algorithm,
      ha1,
      nonce: c.nonce,
      method,
      uri: c.uri,
      qop: c.qop as DigestQop | undefined,
      nc: c.nc,
      cnonce: c.cnonce,
      body,
    });
    return digestEquals(expected, c.response);
  } catch {
    return false;
  }
}
