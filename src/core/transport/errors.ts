/** Transport failures (RFC 3261 §18.4: the transport layer reports them to the transaction layer). */
import { SipException } from '../errors.js';

export type TransportErrorCode =
  /** no listener of the wanted protocol and address family */
  | 'SIP_ERR_NO_TRANSPORT'
  /** the OS refused or failed a send */
  | 'SIP_ERR_SEND'
  /** a stream connection could not be opened (refused, unreachable, DNS failure) */
  | 'SIP_ERR_CONNECT'
  /** a stream connection closed before the data was written */
  | 'SIP_ERR_CONNECTION_CLOSED'
  /** the transport is closed */
  | 'SIP_ERR_TRANSPORT_CLOSED'
  /** a listen specification or destination could not be understood */
  | 'SIP_ERR_BAD_ADDRESS'
  /** a message too large for the transport */
  | 'SIP_ERR_MESSAGE_SIZE';

export class TransportError extends SipException {
  readonly code: TransportErrorCode;
  /** The OS error behind it (ECONNREFUSED...), when there is one. */
  override readonly cause: Error | undefined;
  constructor(code: TransportErrorCode, message: string, cause?: Error) {
    super(message);
    this.code = code;
    this.cause = cause;
  }
}
