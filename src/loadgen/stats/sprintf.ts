/**
 * A small printf for the screens' fixed-width columns: %s %d %f with flags "-" and "0", width,
 * precision and "*" width. Only what the screens use.
 */
export function sprintf(fmt: string, ...args: Array<string | number>): string {
  let i = 0;
  return fmt.replace(
    /%([-0]*)(\*|\d+)?(?:\.(\d+))?([sdf%])/g,
    (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      let w = 0;
      if (width === '*') w = Number(args[i++]);
      else if (width) w = Number(width);
      const a = args[i++];
      let s: string;
      if (conv === 'd') s = String(Math.trunc(Number(a)));
      else if (conv === 'f') s = Number(a).toFixed(prec === undefined ? 6 : Number(prec));
      else {
        s = String(a);
        if (prec !== undefined) s = s.slice(0, Number(prec));
      }
      if (s.length >= w) return s;
      if (flags.includes('-')) return s.padEnd(w);
      if (flags.includes('0') && conv !== 's')
        return s.startsWith('-') ? '-' + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
      return s.padStart(w);
    },
  );
}
