/**
 * SIPp's repartition screens (ScreenPrinter::draw_repartition_screen): screen 3 shows the first
 * response-time repartition and the call-length repartition; screens 6 to 9 show the
 * response-time repartitions of RTDs 2 to 5 alone ("Repartition N Screen").
 */
import { sprintf } from './sprintf.js';
import type { ScreenState } from './screen.js';

const info = (text: string) => sprintf('  %-77.77s', text);

/** The rows of one repartition: "0 ms <= n < 10 ms : count" … "n >= 200 ms : count". */
function repartitionRows(limits: readonly number[] | undefined, buckets: Float64Array | undefined): string[] {
  if (!limits || !buckets) return [info('  <No repartion defined>')];
  const rows = limits.map((l, i) =>
    sprintf('    %10d ms <= n < %10d ms : %10d', i === 0 ? 0 : limits[i - 1]!, l, buckets[i]!),
  );
  rows.push(sprintf('    %14.14s n >= %10d ms : %10d', '', limits[limits.length - 1]!, buckets[limits.length]!));
  return rows;
}

/** The body of repartition screen `which` (1 = screen 3; 2–5 = screens 6–9), after its title. */
export function repartitionScreenBody(s: ScreenState, which: number): string[] {
  const sc = s.scenario;
  if (which > sc.rtdNames.length) return [info('  <No repartion defined>')];
  const lines = [info(`Average Response Time Repartition ${sc.rtdNames[which - 1]}`)];
  lines.push(...repartitionRows(sc.rtdRepartitions[which - 1], s.stats.rtdBuckets[which - 1]));
  if (which === 1) {
    lines.push(info('Average Call Length Repartition'));
    lines.push(...repartitionRows(sc.callLengthRepartition, s.stats.callBuckets));
  }
  return lines;
}
