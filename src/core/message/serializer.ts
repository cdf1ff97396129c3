/**
 * Writing a message to bytes. Fields that were not modified are copied from their raw line, so a
 * proxy forwards what it did not touch byte for byte; new or modified fields are written as
 * `Name: value` with the RFC spelling of the name.
 */
import { displayName } from './header-names.js';
import type { SipMessage } from './message.js';

/** The header section (start line, fields, blank line) as a latin1 string. */
export function serializeHead(msg: SipMessage): string {
  let out = msg.startLine() + '\r\n';
  for (const h of msg.headers) out += (h.raw ?? displayName(h.name) + ': ' + h.value) + '\r\n';
  return out + '\r\n';
}

/**
 * The whole message as bytes. `kept`: bytes held for long (a transaction's final response or
 * ACK, resent for up to 64·T1) get memory of their own; others are a slice of Node's shared
 * 8 KB pool, which stays allocated as long as any slice of it is alive: a few kept responses
 * would pin every pool their neighbours (long gone) were cut from.
 */
export function serialize(msg: SipMessage, kept = false): Buffer {
  const head = serializeHead(msg);
  const body = msg.body;
  const headLen = head.length;
  const out = kept ? Buffer.allocUnsafeSlow(headLen + body.length) : Buffer.allocUnsafe(headLen + body.length);
  out.write(head, 0, headLen, 'latin1');
  if (body.length > 0) body.copy(out, headLen);
  return out;
}

/** Text for logs and tests: header section decoded as UTF-8, body as UTF-8. */
export function messageToString(msg: SipMessage): string {
  return Buffer.from(serializeHead(msg), 'latin1').toString('utf8') + msg.body.toString('utf8');
}

/** Bytes of a JS string (UTF-8) as the latin1 string the message model holds. */
export function encodeText(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** A header value held as latin1 bytes, decoded as UTF-8 for display. */
export function decodeText(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'latin1').toString('utf8');
}
