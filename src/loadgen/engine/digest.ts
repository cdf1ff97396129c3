/**
 * Digest authentication as SIPp writes and checks it (RFC 2617 / RFC 8760: MD5 and SHA-256,
 * qop auth and auth-int): the [authentication] keyword's header value and the verifyauth action.
 * The header layout is SIPp's, so servers that parse it see the same thing.
 */
import { randomInt } from 'node:crypto';
import { digestHex, type DigestAlgorithm } from '../../core/index.js';

/** getAuthParameter: value of `name=` in a challenge or credentials ("" when absent). */
export function authParam(name: string, header: string): string {
  const lower = header.toLowerCase();
  const n = name.toLowerCase();
  let at = lower.indexOf(n);
  while (at >= 0) {
    const before = header[at - 1];
    if (at > 0 && (before === ',' || /\s/.test(before!)) && header[at + name.length] === '=') break;
    at = lower.indexOf(n, at + 1);
  }
  if (at < 0) return '';
  let p = at + name.length + 1;
  if (header[p] === '"') {
    p++;
    const end = header.indexOf('"', p);
    return header.slice(p, end < 0 ? undefined : end);
  }
  const m = /^[^ ,"\r\n]*/.exec(header.slice(p));
  return m ? m[0] : '';
}

function algorithmOf(challenge: string): { name: string; algo: DigestAlgorithm } | { error: string } {
  const m = /algorithm=\s*"?([^ ,"\r\n]+)/i.exec(challenge);
  const name = m ? m[1]! : 'MD5';
  if (/^MD5/i.test(name)) return { name, algo: 'MD5' };
  if (/^SHA-256/i.test(name)) return { name, algo: 'SHA-256' };
  return { error: `authentication must use MD5 or SHA-256 (siptest does not support ${name})` };
}

function response(
  algo: DigestAlgorithm,
  user: string,
  password: string,
  realm: string,
  method: string,
  uri: string,
  nonce: string,
  qop: string,
  cnonce: string,
  nc: string,
  body: string,
): string {
  const ha1 = digestHex(algo, `${user}:${realm}:${password}`);
  let a2 = `${method}:${uri}`;
  if (/auth-int/i.test(qop)) a2 += ':' + digestHex(algo, body);
  const ha2 = digestHex(algo, a2);
  return cnonce
    ? digestHex(algo, `${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : digestHex(algo, `${ha1}:${nonce}:${ha2}`);
}

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

/** The Authorization / Proxy-Authorization value, or an error text. */
export function createDigest(i: DigestInput): { value: string } | { error: string } {
  if (!/digest/i.test(i.challenge)) return { error: 'createAuthHeader: authentication must be digest' };
  const alg = algorithmOf(i.challenge);
  if ('error' in alg) return alg;
  let qop = authParam('qop', i.challenge);
  let cnonce = '';
  let nc = '';
  if (qop) {
    qop = /auth-int/i.test(qop) ? 'auth-int' : /auth/i.test(qop) ? 'auth' : qop;
    cnonce = randomInt(0x7fffffff).toString(16);
    nc = i.nonceCount.toString(16).padStart(8, '0');
  }
  const realm = authParam('realm', i.challenge);
  if (!realm && !/realm=/i.test(i.challenge))
    return { error: `createAuthHeaderMD5: couldn't parse realm in '${i.challenge}'` };
  const nonce = authParam('nonce', i.challenge);
  if (!/nonce=/i.test(i.challenge)) return { error: "createAuthHeader: couldn't parse nonce" };
  const opaque = authParam('opaque', i.challenge);
  let v = `Digest username="${i.user}",realm="${realm}"`;
  if (cnonce) v += `,cnonce="${cnonce}",nc=${nc},qop=${qop}`;
  v += `,uri="${i.uri}"`;
  const resp = response(alg.algo, i.user, i.password, realm, i.method, i.uri, nonce, qop, cnonce, nc, i.body);
  v += `,nonce="${nonce}",response="${resp}",algorithm=${alg.name}`;
  if (opaque) v += `,opaque="${opaque}"`;
  return { value: v };
}

/** verifyauth: does `credentials` (an Authorization value) match user and password? */
export function verifyDigest(
  user: string,
  password: string,
  method: string,
  credentials: string,
  body: string,
): boolean {
  if (!/digest/i.test(credentials)) return false;
  const algName = authParam('algorithm', credentials) || 'MD5';
  const algo: DigestAlgorithm | undefined = /^MD5/i.test(algName)
    ? 'MD5'
    : /^SHA-256/i.test(algName)
      ? 'SHA-256'
      : undefined;
  if (!algo) return false;
  const expected = response(
    algo,
    user,
    password,
    authParam('realm', credentials),
    method,
    authParam('uri', credentials),
    authParam('nonce', credentials),
    authParam('qop', credentials),
    authParam('cnonce', credentials),
    authParam('nc', credentials),
    body,
  );
  return expected === authParam('response', credentials);
}
