/**
 * DATETIME values as Kamailio writes them: 'YYYY-MM-DD HH:MM:SS' in the local time zone of the
 * writing process (srdb1 `db_time2str` uses localtime_r, `db_str2time` mktime). Both backends
 * store this text (SQLite in a TIMESTAMP column, MySQL in DATETIME), so a row written by sipd
 * reads back the same in Kamailio and the reverse.
 *
 * usrloc stores a permanent contact (expires 0) as the DATETIME of time_t 0, i.e. a date on
 * 1969-12-31 or 1970-01-01 depending on the zone, and its expiry cleanup skips it
 * (`expires != 0`). Anything before PERMANENT_BEFORE is therefore read as permanent.
 */

export const PERMANENT_BEFORE = '1970-01-02 00:00:00';
/** Kamailio's column default for location.expires (a row inserted without one). */
export const LOCATION_EXPIRES_DEFAULT = '2030-05-28 21:32:15';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Unix seconds → local 'YYYY-MM-DD HH:MM:SS'. */
export function toDbDatetime(unixSeconds: number): string {
  const d = new Date(Math.trunc(unixSeconds) * 1000);
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

export const nowDbDatetime = (): string => toDbDatetime(Date.now() / 1000);

const DT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;

/**
 * Local 'YYYY-MM-DD HH:MM:SS' → unix seconds. Other text (kamctl's sqlite backend writes the
 * output of `date`) is tried with Date.parse; NaN if nothing works.
 */
export function fromDbDatetime(text: string): number {
  const m = DT.exec(text);
  if (!m) return Math.trunc(Date.parse(text) / 1000);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Math.trunc(new Date(y, mo - 1, d, h, mi, s).getTime() / 1000);
}

/** location.expires text → unix seconds, 0 for a permanent contact (Kamailio's convention). */
export function expiresFromDb(text: string): number {
  if (DT.test(text) && text.slice(0, 19).replace('T', ' ') < PERMANENT_BEFORE) return 0;
  const t = fromDbDatetime(text);
  return Number.isNaN(t) ? 1 : t;
}

/** Unix seconds (0 = permanent) → location.expires text. */
export function expiresToDb(unixSeconds: number): string {
  return toDbDatetime(unixSeconds <= 0 ? 0 : unixSeconds);
}
