/**
 * rtpengine's "ng" control protocol on the wire: a datagram `<cookie> <bencoded dictionary>`,
 * the reply echoing the cookie. Bencode is the `bencode` package; this file only turns its byte
 * strings into text and never throws on what a peer sent (a malformed reply is `undefined`).
 */
import bencode from 'bencode';

/** A bencoded value as sipd uses it: byte strings read as UTF-8 text. */
export type NgValue = string | number | NgValue[] | { [key: string]: NgValue };
export type NgDict = { [key: string]: NgValue };

export function encodeNg(cookie: string, dict: NgDict): Buffer {
  return Buffer.concat([Buffer.from(`${cookie} `), bencode.encode(dict)]);
}

/** A reply: its cookie and dictionary, or undefined when it is not a well-formed ng message. */
export function decodeNg(data: Buffer): { cookie: string; dict: NgDict } | undefined {
  const space = data.indexOf(0x20);
  if (space <= 0 || space > 64) return undefined;
  const cookie = data.subarray(0, space).toString('latin1');
  let raw: unknown;
  try {
    raw = bencode.decode(data.subarray(space + 1));
  } catch {
    return undefined;
  }
  const dict = toText(raw);
  if (dict === undefined || typeof dict !== 'object' || Array.isArray(dict)) return undefined;
  return { cookie, dict };
}

function toText(v: unknown, depth = 0): NgValue | undefined {
  if (depth > 32) return undefined;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) {
    const out: NgValue[] = [];
    for (const x of v) {
      const t = toText(x, depth + 1);
      if (t === undefined) return undefined;
      out.push(t);
    }
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: NgDict = {};
    for (const [k, x] of Object.entries(v)) {
      const t = toText(x, depth + 1);
      if (t === undefined) return undefined;
      out[k] = t;
    }
    return out;
  }
  return undefined;
}

/** A text field of a reply, or undefined (absent or not text). */
export function textField(d: NgDict, key: string): string | undefined {
  const v = d[key];
  return typeof v === 'string' ? v : undefined;
}
