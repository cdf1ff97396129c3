/**
 * Proxy request validation, RFC 3261 §16.3: reasonable syntax (400), URI scheme (416),
 * Max-Forwards (483, with OPTIONS answered by the proxy itself), Proxy-Require (420 +
 * Unsupported), and a size limit (513, §18.1.1/§21.5.14). Returns the rejection to send, or
 * undefined when the request may proceed. Pure: no I/O.
 */
import { SipParseError } from '../errors.js';
import type { SipRequest } from '../message/message.js';
import { validateMessage } from '../message/validate.js';

export interface Rejection {
  status: number;
  reason: string;
  /** Extra header fields for the response, e.g. Unsupported for a 420. */
  headers?: Array<[string, string]>;
}

export interface RequestCheckOptions {
  /** URI schemes we route (default sip, sips). */
  schemes?: readonly string[];
  /** Option tags we support, for Proxy-Require (default none). */
  supported?: readonly string[];
  /** Maximum message size in bytes (default 65535). */
  maxMessageSize?: number;
  /** Size of the request as received, if known. */
  size?: number;
}

const DEFAULT_SCHEMES = ['sip', 'sips'];

export function checkProxyRequest(req: SipRequest, opts: RequestCheckOptions = {}): Rejection | undefined {
  if (opts.size !== undefined && opts.size > (opts.maxMessageSize ?? 65535))
    return { status: 513, reason: 'Message Too Large' };
  // 1. Reasonable syntax.
  try {
    validateMessage(req);
  } catch (e) {
    if (e instanceof SipParseError) return { status: e.status, reason: e.reason };
    throw e;
  }
  // 2. URI scheme.
  if (!(opts.schemes ?? DEFAULT_SCHEMES).includes(req.requestUri().scheme))
    return { status: 416, reason: 'Unsupported URI Scheme' };
  // 3. Max-Forwards: zero means this hop may not forward (OPTIONS: the caller may answer 200 itself).
  if (req.maxForwards() === 0) return { status: 483, reason: 'Too Many Hops' };
  // 5. Proxy-Require: every option tag must be supported.
  const required = req.getAll('proxy-require').filter((t) => t !== '');
  if (required.length > 0) {
    const supported = new Set((opts.supported ?? []).map((t) => t.toLowerCase()));
    const missing = required.filter((t) => !supported.has(t.toLowerCase()));
    if (missing.length > 0)
      return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', missing.join(', ')]] };
  }
  return undefined;
}
