/**
 * SIPp's value syntaxes for options and scenario attributes: integers (strtol base 0: decimal,
 * 0x hex, 0 octal), doubles, booleans (true/false or an integer) and times (a number with an
 * optional unit ms|s|m|h; without a unit the option's default unit applies; mm:ss is refused).
 */
import { usageError } from '../errors.js';

/** strtol(ptr, &end, 0) that must consume the whole string. */
export function parseLong(text: string, what: string): number {
  const t = text.trim();
  let m: RegExpMatchArray | null;
  let v: number;
  if ((m = /^([+-]?)0[xX]([0-9a-fA-F]+)$/.exec(t))) v = parseInt(m[2]!, 16) * (m[1] === '-' ? -1 : 1);
  else if ((m = /^([+-]?)0([0-7]+)$/.exec(t))) v = parseInt(m[2]!, 8) * (m[1] === '-' ? -1 : 1);
  else if (/^[+-]?\d+$/.test(t)) v = parseInt(t, 10);
  else throw usageError(`${what}, "${text}" is not a valid integer!`);
  return v;
}

/** strtod that must consume the whole string. */
export function parseDouble(text: string, what: string): number {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?(inf|infinity|nan)$/i.test(t))
    throw usageError(`${what}, "${text}" is not a floating point number!`);
  return Number(t.toLowerCase().startsWith('inf') || t.toLowerCase().startsWith('+inf') ? Infinity : t);
}

export function parseBool(text: string, what: string): boolean {
  if (/^true$/i.test(text)) return true;
  if (/^false$/i.test(text)) return false;
  return parseLong(text, `${what} (not a valid boolean)`) !== 0;
}

/**
 * A time in milliseconds. `multiplier` converts the default unit to ms (1000 for seconds, 1 for
 * milliseconds), as SIPp's get_time().
 */
export function parseTime(text: string, what: string, multiplier: number): number {
  if (!/^\d/.test(text)) throw usageError(`${what}, "${text}" is not a valid time!`);
  const colons = text.split(':').length - 1;
  if (colons === 1) throw usageError(`${what}, "${text}" mm:ss not implemented yet!`);
  if (colons === 2) throw usageError(`${what}, "${text}" hh:mm:ss not implemented yet!`);
  if (colons !== 0) throw usageError(`${what}, "${text}" is not a valid time!`);
  const m = /^(\d+\.?\d*(?:[eE][+-]?\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m)
    throw usageError(`${what}, "${text}" is not a valid time!`, 'use a number with an optional unit: ms, s, m or h');
  const v = Number(m[1]);
  switch (m[2]) {
    case 's':
      return Math.trunc(v * 1000);
    case 'ms':
      return Math.trunc(v);
    case 'm':
      return Math.trunc(v * 60000);
    case 'h':
      return Math.trunc(v * 3600000);
    default:
      return Math.trunc(v * multiplier);
  }
}

/** "host", "host:port", "[v6]", "[v6]:port" → host and port (0 when absent), as get_host_and_port. */
export function splitHostPort(text: string): { host: string; port: number } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end > 0) {
      const host = text.slice(1, end);
      const rest = text.slice(end + 1);
      const port = rest.startsWith(':') ? Number(rest.slice(1)) : 0;
      return { host, port: Number.isFinite(port) ? port : 0 };
    }
  }
  const colons = text.split(':').length - 1;
  if (colons === 1) {
    const i = text.indexOf(':');
    const port = Number(text.slice(i + 1));
    return { host: text.slice(0, i), port: Number.isInteger(port) ? port : 0 };
  }
  return { host: text, port: 0 };
}
