/**
 * Splitting a list header value (`#element`) into elements: commas inside a quoted-string or
 * inside `<...>` do not separate (RFC 3261 §7.3.1, §25.1). Elements are trimmed of LWS.
 */
import { trimWs } from '../grammar/chars.js';

export function splitList(value: string): string[] {
  // Fast path: no comma at all.
  if (value.indexOf(',') < 0) return [value];
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c /* < */) angle++;
    else if (c === 0x3e /* > */) {
      if (angle > 0) angle--;
    } else if (c === 0x2c /* , */ && angle === 0) {
      out.push(trimWs(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWs(value.slice(start)));
  return out;
}
