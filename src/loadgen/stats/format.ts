/**
 * SIPp's number and time formats, which scripts parse: local date and time with microseconds
 * and the epoch, tab-separated; HH:MM:SS elapsed times; HH:MM:SS:uuuuuu durations; and C++
 * ostream's default for doubles (6 significant digits, like printf %g).
 */
const p = (n: number, w = 2) => String(Math.trunc(n)).padStart(w, '0');

/** "2026-11-22\t10:24:16.123496\t1795343056.123496" (withEpoch=false: "2026-11-22 10:24:16.123496"). */
export function formatTime(us: number, forLog = false): string {
  const sec = Math.floor(us / 1e6);
  const micro = Math.round(us - sec * 1e6);
  const d = new Date(sec * 1000);
  const date = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(micro, 6)}`;
  if (forLog) return `${date} ${time}`;
  return `${date}\t${time}\t${p(sec, 10)}.${p(micro, 6)}`;
}

export function msToHHMMSS(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s - hh * 3600) / 60);
  return `${p(hh)}:${p(mm)}:${p(s - hh * 3600 - mm * 60)}`;
}

export function msToHHMMSSus(msIn: number): string {
  const ms = Math.max(0, Math.trunc(msIn));
  const sec = Math.floor(ms / 1000);
  const hh = Math.floor(sec / 3600);
  const mm = Math.floor((sec - hh * 3600) / 60);
  const ss = sec - hh * 3600 - mm * 60;
  const us = 1000 * (ms - hh * 3600000 - mm * 60000 - ss * 1000);
  return `${p(hh)}:${p(mm)}:${p(ss)}:${p(us, 6)}`;
}

/** C++ `ostream << double` with the default precision (6 significant digits, %g rules). */
export function cppDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  let s: string;
  if (exp < -4 || exp >= 6) {
    s = v.toExponential(5);
    const [m0, e] = s.split('e') as [string, string];
    const mant = m0.includes('.') ? m0.replace(/0+$/, '').replace(/\.$/, '') : m0;
    const en = Number(e);
    s = `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  } else {
    s = v.toPrecision(6);
    if (s.includes('e')) return cppDouble(Number(s));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

/** C's "%.Nf" of a float... JS toFixed is the same for our ranges. */
export const fixed = (v: number, digits: number) => v.toFixed(digits);
