/**
 * The outcome of a message's actions (SIPp's T_ActionResult) and the failure counter and log text
 * of each failed outcome, used when the call terminates.
 */
import { C } from '../stats/counters.js';

export const enum ActionResult {
  NoError = 0,
  RegexpDoesntMatch,
  RegexpShouldntMatch,
  HdrNotFound,
  StopCall,
  ConnectFailed,
  TestDoesntMatch,
  TestShouldntMatch,
  StrcmpDoesntMatch,
  StrcmpShouldntMatch,
}

export const RESULT_FAILURE: Record<number, [number, string]> = {
  [ActionResult.RegexpDoesntMatch]: [C.FailedRegexpDoesntMatch, 'regexp match failure'],
  [ActionResult.RegexpShouldntMatch]: [C.FailedRegexpShouldntMatch, "regexp matched, but shouldn't"],
  [ActionResult.HdrNotFound]: [C.FailedRegexpHdrNotFound, 'regexp header not found'],
  [ActionResult.ConnectFailed]: [C.FailedTcpConnect, 'connection failed'],
  [ActionResult.TestDoesntMatch]: [C.FailedTestDoesntMatch, 'test failure'],
  [ActionResult.TestShouldntMatch]: [C.FailedTestShouldntMatch, "test succeeded, but shouldn't"],
  [ActionResult.StrcmpDoesntMatch]: [C.FailedStrcmpDoesntMatch, 'test failure'],
  [ActionResult.StrcmpShouldntMatch]: [C.FailedStrcmpShouldntMatch, "test succeeded, but shouldn't"],
};
