/**
 * The counters SIPp keeps (CStat), held as cumulative values only. "Periodic" values (P) are the
 * difference with a snapshot taken at the last reset: one for the screen (PD), one for the
 * statistics file (PL). Cumulative arrays also make the counters of several worker threads easy
 * to add up.
 */
export const C = {
  IncomingCallCreated: 0,
  OutgoingCallCreated: 1,
  SuccessfulCall: 2,
  FailedCall: 3,
  FailedCannotSendMessage: 4,
  FailedMaxUDPRetrans: 5,
  FailedTcpConnect: 6,
  FailedTcpClosed: 7,
  FailedUnexpectedMessage: 8,
  FailedCallRejected: 9,
  FailedCmdNotSent: 10,
  FailedRegexpDoesntMatch: 11,
  FailedRegexpShouldntMatch: 12,
  FailedRegexpHdrNotFound: 13,
  FailedOutboundCongestion: 14,
  FailedTimeoutOnRecv: 15,
  FailedTimeoutOnSend: 16,
  FailedTestDoesntMatch: 17,
  FailedTestShouldntMatch: 18,
  FailedStrcmpDoesntMatch: 19,
  FailedStrcmpShouldntMatch: 20,
  Retransmissions: 21,
  CallLengthSum: 22,
  CallLengthCount: 23,
  CallLengthSumSq: 24,
  OutOfCallMsgs: 25,
  DeadCallMsgs: 26,
  AutoAnswered: 27,
  Warnings: 28,
  FatalErrors: 29,
  WatchdogMajor: 30,
  WatchdogMinor: 31,
} as const;
export type CounterId = (typeof C)[keyof typeof C];
export const COUNTER_COUNT = 32;

/** The failure reasons in the statistics file's column order (columns 19–52). */
export const FAILURE_COLUMNS: Array<[string, CounterId]> = [
  ['FailedCannotSendMessage', C.FailedCannotSendMessage],
  ['FailedMaxUDPRetrans', C.FailedMaxUDPRetrans],
  ['FailedTcpConnect', C.FailedTcpConnect],
  ['FailedTcpClosed', C.FailedTcpClosed],
  ['FailedUnexpectedMessage', C.FailedUnexpectedMessage],
  ['FailedCallRejected', C.FailedCallRejected],
  ['FailedCmdNotSent', C.FailedCmdNotSent],
  ['FailedRegexpDoesntMatch', C.FailedRegexpDoesntMatch],
  ['FailedRegexpShouldntMatch', C.FailedRegexpShouldntMatch],
  ['FailedRegexpHdrNotFound', C.FailedRegexpHdrNotFound],
  ['FailedOutboundCongestion', C.FailedOutboundCongestion],
  ['FailedTimeoutOnRecv', C.FailedTimeoutOnRecv],
  ['FailedTimeoutOnSend', C.FailedTimeoutOnSend],
  ['FailedTestDoesntMatch', C.FailedTestDoesntMatch],
  ['FailedTestShouldntMatch', C.FailedTestShouldntMatch],
  ['FailedStrcmpDoesntMatch', C.FailedStrcmpDoesntMatch],
  ['FailedStrcmpShouldntMatch', C.FailedStrcmpShouldntMatch],
];

/** Per scenario message: how many sent, retransmitted, timed out... (screen and counts file). */
export const M = {
  Sent: 0,
  SentRetrans: 1,
  Timeout: 2,
  Recv: 3,
  RecvRetrans: 4,
  Unexp: 5,
  Lost: 6,
  Sessions: 7,
} as const;
export const MSG_FIELDS = 8;
