/**
 * SIPp's screens and the keys 1 to 9 that choose one (process_key and ScreenPrinter::get_lines in
 * SIPp 3.6.1): 1 scenario, 2 statistics, 3 repartition, 4 variables, 5 TDM map (only with -tdmmap,
 * which siptest refuses: the key does nothing, as in SIPp without it), 6 to 9 the repartitions of
 * RTDs 2 to 5. The screen log (-trace_screen, "s", SIGUSR2) holds screens 1, 2, 3 and then 6 to 9
 * for each RTD defined; at exit SIPp prints the screen shown, then the statistics screen.
 */
import { repartitionScreenBody } from './repartition-screen.js';
import { finishScreen, scenarioScreenBody, type ScreenState } from './screen.js';
import { statsScreenBody } from './stats-screen.js';
import { variablesScreenBody } from './variables-screen.js';

export type ScreenView =
  | { kind: 'scenario' }
  | { kind: 'stats' }
  | { kind: 'variables' }
  /** which = 1: screen 3; 2 to 5: screens 6 to 9. */
  | { kind: 'repartition'; which: number };

export const SCENARIO_VIEW: ScreenView = { kind: 'scenario' };
const STATS_VIEW: ScreenView = { kind: 'stats' };

/** The screen a key shows, or undefined for keys that do not change the screen (5 without -tdmmap). */
export function viewForKey(ch: string): ScreenView | undefined {
  if (ch === '1') return SCENARIO_VIEW;
  if (ch === '2') return STATS_VIEW;
  if (ch === '3') return { kind: 'repartition', which: 1 };
  if (ch === '4') return { kind: 'variables' };
  if (ch >= '6' && ch <= '9') return { kind: 'repartition', which: ch.charCodeAt(0) - '6'.charCodeAt(0) + 2 };
  return undefined;
}

function title(v: ScreenView): string {
  switch (v.kind) {
    case 'scenario':
      return '------------------------------ Scenario Screen -------- [1-9]: Change Screen --';
    case 'stats':
      return '----------------------------- Statistics Screen ------- [1-9]: Change Screen --';
    case 'variables':
      return '----------------------------- Variables Screen -------- [1-9]: Change Screen --';
    case 'repartition':
      return v.which === 1
        ? '---------------------------- Repartition Screen ------- [1-9]: Change Screen --'
        : `--------------------------- Repartition ${v.which} Screen ------ [1-9]: Change Screen --`;
  }
}

function body(v: ScreenView, s: ScreenState): string[] {
  switch (v.kind) {
    case 'scenario':
      return scenarioScreenBody(s);
    case 'stats':
      return statsScreenBody(s);
    case 'variables':
      return variablesScreenBody(s.scenario.messages);
    case 'repartition':
      return repartitionScreenBody(s, v.which);
  }
}

/** One whole screen: title, body, last error and footer. */
export function renderScreen(v: ScreenView, s: ScreenState): string[] {
  return finishScreen([title(v), ...body(v, s)], s);
}

/** What the screen log receives (SIPp's print_screens). */
export function dumpViews(rtdCount: number): ScreenView[] {
  const views: ScreenView[] = [SCENARIO_VIEW, STATS_VIEW, { kind: 'repartition', which: 1 }];
  for (let which = 2; which <= rtdCount; which++) views.push({ kind: 'repartition', which });
  return views;
}

/** What is printed at exit (SIPp's print_closing_stats): the screen shown, then the statistics screen. */
export function closingViews(shown: ScreenView): ScreenView[] {
  return shown.kind === 'stats' ? [shown] : [shown, STATS_VIEW];
}
