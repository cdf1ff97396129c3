/**
 * Settings and the transaction user's (TU's) delegates for the RFC 3261 §17 transaction layer.
 * Delegates are plain objects with methods (no per-event closures), called synchronously.
 */
import type { SipParseError } from '../errors.js';
import type { AnyMessage, SipRequest, SipResponse } from '../message/message.js';
import type { TransportError } from '../transport/errors.js';
import type { MessageSource } from '../transport/types.js';
import type { ClientTransaction } from './client.js';
import type { ServerTransaction } from './server.js';

/**
 * The base timer values of RFC 3261 §17 (Table 4), in ms. Everything else derives from them:
 * A = E = G = T1 initially (E and G capped at T2), B = F = H = J = 64·T1, I = K = T4, D ≥ 32 s;
 * RFC 6026's L and M are 64·T1. D, I, J and K are zero on reliable transports.
 */
export interface TimerSettings {
  /** RTT estimate (default 500) */
  T1: number;
  /** maximum retransmit interval for non-INVITE requests and INVITE responses (default 4000) */
  T2: number;
  /** maximum duration a message remains in the network (default 5000) */
  T4: number;
  /** Timer D: wait time for response retransmissions in an INVITE client transaction on UDP (default 32000) */
  D: number;
  /**
   * Delay before an INVITE server transaction sends 100 Trying itself when the TU has not
   * responded (§17.2.1 asks for one "unless the TU will respond within 200 ms"); default 200,
   * 0 disables.
   */
  trying: number;
  /**
   * The longest a completed transaction stays to absorb retransmissions (Timers D, I, J, K, L, M;
   * Kamailio's and OpenSIPS's tm `wt_timer`). Default Infinity: RFC 3261's and RFC 6026's
   * timers as they are, up to 64·T1 (32 s) on UDP. A shorter wait holds far fewer transactions
   * (a call through a proxy leaves three lingering: at 1,500 calls/s, 32 s of them are ~150,000);
   * the cost is that a retransmission arriving later, which needs every answer to it lost for
   * that long, is handled as a new request.
   */
  wait: number;
}

export const DEFAULT_TIMERS: Readonly<TimerSettings> = {
  T1: 500,
  T2: 4000,
  T4: 5000,
  D: 32000,
  trying: 200,
  wait: Infinity,
};

/** Receives what happens to one client transaction. */
export interface ClientTransactionUser {
  /**
   * A response the transaction passes up: provisional responses, the first non-2xx final
   * response (retransmissions are absorbed, §17.1.1.2), and for INVITE every 2xx including
   * retransmissions and other forks' 2xx (RFC 6026 Accepted state: the TU acknowledges each).
   */
  onResponse(res: SipResponse, tx: ClientTransaction): void;
  /** Timer B (INVITE) or F (non-INVITE) fired without a final response: treat as 408 (§8.1.3.1). */
  onTimeout(tx: ClientTransaction): void;
  /** The transport failed to deliver the request (§17.1.4): treat as 503 (§8.1.3.1). */
  onTransportError(tx: ClientTransaction, err: TransportError): void;
  /** The transaction has ended and left the tables. */
  onTerminated?(tx: ClientTransaction): void;
}

/** Receives what happens to one server transaction (all optional). */
export interface ServerTransactionUser {
  /** Timer H fired: no ACK came for a non-2xx final response to an INVITE (§17.2.1). */
  onTimeout?(tx: ServerTransaction): void;
  /** A response could not be sent (§17.2.4). */
  onTransportError?(tx: ServerTransaction, err: TransportError): void;
  /** The transaction has ended and left the tables. */
  onTerminated?(tx: ServerTransaction): void;
}

/** The TU of the whole layer: what did not belong to an existing transaction. */
export interface TransactionLayerUser {
  /**
   * A request that matched no server transaction: a new request (create its server transaction
   * with createServerTransaction() before returning, to absorb retransmissions, or answer it
   * statelessly), a CANCEL (see findCancelTarget()), or an ACK for a 2xx, which goes to the TU
   * directly (§17.2.3, §13.2.2.4; also ACKs an RFC 6026 Accepted transaction matches).
   */
  onRequest(req: SipRequest, source: MessageSource): void;
  /**
   * A response that matched no client transaction (§17.1.3): a stateless proxy forwards it, a
   * UAC sees 2xx retransmissions after its transaction ended.
   */
  onStrayResponse?(res: SipResponse, source: MessageSource): void;
  /** Bytes that were not a usable message (see TransportLayerUser.onParseError). */
  onParseError?(err: SipParseError, raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void;
  /** An exception thrown by one of the TU's callbacks (default: rethrown from a microtask). */
  onError?(err: unknown): void;
}
