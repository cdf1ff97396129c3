/**
 * Exceptions of the SIP core. An *exception* is something a caller may reasonably catch (bad
 * input, a transport failure, a timeout); a plain Error thrown from the core is a bug.
 * Every exception has a stable `code` that callers and tests match on, never the message text.
 */
export abstract class SipException extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Stable codes of parse errors. */
export type SipParseErrorCode =
  | 'SIP_ERR_EMPTY'
  | 'SIP_ERR_START_LINE'
  | 'SIP_ERR_VERSION'
  | 'SIP_ERR_METHOD'
  | 'SIP_ERR_REQUEST_URI'
  | 'SIP_ERR_STATUS_CODE'
  | 'SIP_ERR_HEADER_LINE'
  | 'SIP_ERR_HEADER_VALUE'
  | 'SIP_ERR_CONTENT_LENGTH'
  | 'SIP_ERR_MISSING_HEADER'
  | 'SIP_ERR_DUPLICATE_HEADER'
  | 'SIP_ERR_CSEQ_METHOD'
  | 'SIP_ERR_TOO_LARGE'
  | 'SIP_ERR_URI';

/**
 * A message (or one of its header fields) does not follow RFC 3261's grammar. `status` is the
 * response a server should send for a request (400, or 505 for an unsupported SIP version) and
 * `reason` is a short phrase fit for that response's reason phrase.
 */
export class SipParseError extends SipException {
  readonly code: SipParseErrorCode;
  readonly status: number;
  readonly reason: string;
  /** Canonical lower-case name of the header at fault, when there is one. */
  readonly header: string | undefined;
  constructor(code: SipParseErrorCode, reason: string, opts: { status?: number; header?: string } = {}) {
    // The reason goes into a response's reason phrase: one line of printable ASCII, bounded,
    // whatever bytes of the input it quotes.
    const clean = toReasonPhrase(reason);
    super(clean);
    this.code = code;
    this.reason = clean;
    this.status = opts.status ?? 400;
    this.header = opts.header;
  }
}

const PRINTABLE = /^[\x20-\x7e]{0,160}$/;

function toReasonPhrase(text: string): string {
  if (PRINTABLE.test(text)) return text;
  const oneLine = text.replace(/[^\x20-\x7e]/g, '?');
  return oneLine.length > 160 ? oneLine.slice(0, 157) + '...' : oneLine;
}
