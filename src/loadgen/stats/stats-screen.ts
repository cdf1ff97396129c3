/**
 * SIPp's screen 2, the statistics screen (ScreenPrinter::draw_stats_screen): periodic values since
 * the last screen report and cumulative values since the start, in SIPp's table.
 */
import { C } from './counters.js';
import { formatTime, msToHHMMSSus } from './format.js';
import type { ScreenState } from './screen.js';
import { sprintf } from './sprintf.js';

/** The body of the statistics screen, after its title. */
export function statsScreenBody(s: ScreenState): string[] {
  const { startUs, pd, nowUs } = s;
  const st = s.stats;
  const c = st.counters;
  const lines: string[] = [];
  const txt = (a: string, b: string) => lines.push(sprintf('  %-22.22s | %-52.52s ', a, b));
  const col = (a: string, b: string, d: string) => lines.push(sprintf('  %-22.22s | %-25.25s | %-24.24s ', a, b, d));
  const two = (a: string, b: number, d: number) =>
    lines.push(sprintf('  %-22.22s | %8d                  | %8d                 ', a, b, d));
  const cross = () => lines.push('-------------------------+---------------------------+--------------------------');
  txt('Start Time  ', formatTime(startUs));
  txt('Last Reset Time', formatTime(pd.at));
  txt('Current Time', formatTime(nowUs));
  cross();
  lines.push('  Counter Name           | Periodic value            | Cumulative value');
  cross();
  const globalMs = (nowUs - startUs) / 1000;
  const localMs = (nowUs - pd.at) / 1000;
  col('Elapsed Time', msToHHMMSSus(localMs), msToHHMMSSus(globalMs));
  const created = st.totalCreated;
  const createdP = created - pd.counters[C.IncomingCallCreated]! - pd.counters[C.OutgoingCallCreated]!;
  const rate = (n: number, ms: number) => (ms >= 1 ? (1000 * n) / Math.trunc(ms) : 0);
  lines.push(
    sprintf(
      '  %-22.22s | %8.3f cps              | %8.3f cps             ',
      'Call Rate',
      rate(createdP, localMs),
      rate(created, globalMs),
    ),
  );
  cross();
  const p = (id: number) => c[id]! - pd.counters[id]!;
  two('Incoming calls created', p(C.IncomingCallCreated), c[C.IncomingCallCreated]!);
  two('Outgoing calls created', p(C.OutgoingCallCreated), c[C.OutgoingCallCreated]!);
  lines.push(sprintf('  %-22.22s |                           | %8d                 ', 'Total Calls created', created));
  lines.push(sprintf('  %-22.22s | %8d                  |                          ', 'Current Calls', st.current));
  if (s.scenario.counterNames.length) cross();
  s.scenario.counterNames.forEach((n, i) => two(`Counter ${n}`, st.generic[i]! - pd.generic[i]!, st.generic[i]!));
  cross();
  two('Successful call', p(C.SuccessfulCall), c[C.SuccessfulCall]!);
  two('Failed call', p(C.FailedCall), c[C.FailedCall]!);
  cross();
  const mean = (sum: number, n: number) => (n ? sum / n : 0);
  s.scenario.rtdNames.forEach((r, i) => {
    const [n, sum] = [st.rtd[i * 3]!, st.rtd[i * 3 + 1]!];
    col(
      `Response Time ${r}`,
      msToHHMMSSus(mean(sum - pd.rtd[i * 3 + 1]!, n - pd.rtd[i * 3]!)),
      msToHHMMSSus(mean(sum, n)),
    );
  });
  col(
    'Call Length',
    msToHHMMSSus(mean(p(C.CallLengthSum), p(C.CallLengthCount))),
    msToHHMMSSus(mean(c[C.CallLengthSum]!, c[C.CallLengthCount]!)),
  );
  return lines;
}
