/**
 * Server transactions: INVITE (RFC 3261 §17.2.1, with RFC 6026's Accepted state) and non-INVITE
 * (§17.2.2). Each response from the TU is serialized once and resent as is when the request is
 * retransmitted (or, for a non-2xx final to an INVITE on UDP, on Timer G).
 *
 *   IST: Proceeding --2xx--> Accepted --L--> Terminated
 *          |--300-699--> Completed --ACK--> Confirmed --I--> Terminated
 *                          G: resend, G = min(2G, T2); H: no ACK, timeout
 *   NIST: Trying --1xx--> Proceeding --final--> Completed --J--> Terminated
 */
import { createResponse, type ResponseOptions } from '../message/builders.js';
import { newTag, statelessTag } from '../message/ids.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { serialize } from '../message/serializer.js';
import type { TransportError } from '../transport/errors.js';
import type { MessageSource } from '../transport/types.js';
import { TimerKind, Transaction, type TransactionCore } from './transaction.js';
import type { ServerTransactionUser } from './types.js';

const noUser: ServerTransactionUser = {};

export class ServerTransaction extends Transaction {
  /** "ist" or "nist": from the method, not a field (8 bytes per lingering transaction, issue 14). */
  get kind(): 'ist' | 'nist' {
    return this.method === 'INVITE' ? 'ist' : 'nist';
  }
  /** Where the request came from (its transport, connection and source address). */
  readonly source: MessageSource;
  /** The TU; may be replaced at any time. */
  user: ServerTransactionUser = noUser;
  /** The last provisional response sent (after a final one only its bytes are kept, for retransmission). */
  lastResponse: SipResponse | undefined;
  /**
   * The To tag of the final response, kept for RFC 2543 ACK matching (§17.2.3) only: an RFC 3261
   * transaction matches by branch, and a proxied response's tag would keep its text alive.
   */
  responseToTag: string | undefined;
  /** @internal whether the key is an RFC 2543 fallback key */
  readonly legacy: boolean;
  /**
   * The last response's bytes, resent for retransmitted requests (and Timer G). While a
   * non-INVITE transaction lingers in Completed (Timer J, 64·T1 on UDP) they are kept as a
   * latin1 string (exact for any bytes): one heap object instead of a Buffer, its ArrayBuffer and
   * the memory outside the heap behind it, for a response that is rarely resent (issue 14).
   */
  private bytes: Buffer | string | undefined;
  private tag: string | undefined;

  constructor(core: TransactionCore, key: string, request: SipRequest, source: MessageSource, legacy: boolean) {
    super(core, key, request);
    this.source = source;
    this.legacy = legacy;
    if (this.kind === 'ist') {
      this.state = 'Proceeding';
      const delay = core.settings.trying;
      if (delay > 0) this.startRt(TimerKind.Trying, delay);
    } else this.state = 'Trying';
  }

  /** A To tag for this transaction's responses, generated on first use and then stable. */
  get localTag(): string {
    return (this.tag ??= newTag());
  }

  /**
   * Build a response with createResponse() (To tag: `opts.toTag`, else this transaction's
   * localTag; none on 100) and send it through the transaction. Returns the response.
   */
  reply(status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
    const res = createResponse(this.request, status, reason, { ...opts, toTag: opts.toTag ?? this.localTag });
    this.respond(res);
    return res;
  }

  /**
   * Answer as a stateless UAS would (RFC 3261 §8.2.7) and end the transaction at once: the final
   * response goes out once and is never retransmitted, a retransmission of the request makes a
   * new transaction and gets a new answer, and an ACK for it finds no transaction (a stray ACK,
   * which a stateless UAS ignores). §8.2.7: "The stateless UAS role is needed primarily to handle
   * unauthenticated requests for which a challenge response is issued. If unauthenticated
   * requests were handled statefully, then malicious floods of unauthenticated requests could
   * create massive amounts of transaction state" (§26.1.5): a 401/407 kept for Timer J or H is
   * 32 s of state per unauthenticated request. The To tag is a function of the request (§8.2.7),
   * so every copy of a request gets the same one. Only a final response in Trying or Proceeding;
   * otherwise nothing is sent and undefined is returned.
   */
  replyStateless(status: number, reason?: string, opts: ResponseOptions = {}): SipResponse | undefined {
    if (status < 200 || (this.state !== 'Trying' && this.state !== 'Proceeding')) return undefined;
    const res = createResponse(this.request, status, reason, {
      ...opts,
      toTag: opts.toTag ?? statelessTag(this.request),
    });
    this.rt?.stop();
    this.state = 'Completed';
    this.transmit(res);
    this.bytes = undefined;
    this.terminate();
    return res;
  }

  /**
   * Send a response from the TU through the state machine. Returns false when the state does
   * not take it: after a final response only an INVITE's further 2xx pass (RFC 6026 Accepted);
   * a 2xx after a non-2xx final must go statelessly (TransportLayer.sendResponse).
   */
  respond(res: SipResponse): boolean {
    const status = res.status;
    const s = this.core.settings;
    switch (this.state) {
      case 'Trying':
      case 'Proceeding':
        break;
      case 'Accepted':
        if (status < 200 || status >= 300) return false;
        this.transmit(res); // the TU's 2xx retransmission (§13.3.1.4) or a forked 2xx
        return true;
      default:
        return false;
    }
    this.rt?.stop(); // the TU answered: no automatic 100 Trying
    if (status < 200) {
      this.state = 'Proceeding';
      this.transmit(res);
      return true;
    }
    if (this.legacy) this.responseToTag = toTagOf(res);
    if (this.kind === 'nist') {
      this.state = 'Completed';
      this.transmit(res);
      if (this.state !== 'Completed') return true;
      if (this.bytes !== undefined) this.bytes = this.bytes.toString('latin1');
      this.linger(this.reliable ? 0 : 64 * s.T1); // Timer J
    } else if (status < 300) {
      // RFC 6026 §8.7: Accepted absorbs INVITE retransmissions and passes ACKs up for Timer L.
      this.state = 'Accepted';
      this.transmit(res);
      // Accepted resends nothing (retransmitted INVITEs are absorbed; the 2xx is retransmitted by
      // the TU, or by the UAS behind a proxy): its bytes would only be kept for 64·T1.
      this.bytes = undefined;
      // Nor its target: a further 2xx computes its own (transmit), nothing else is sent.
      this.target = undefined;
      if (this.state === 'Accepted') this.linger(64 * s.T1);
    } else {
      this.state = 'Completed';
      this.transmit(res);
      if (this.state !== 'Completed') return true;
      if (!this.reliable) this.startRt(TimerKind.Retransmit, s.T1); // Timer G
      this.startTo(TimerKind.Timeout, 64 * s.T1); // Timer H
    }
    return true;
  }

  /** @internal A retransmission of the request, or an ACK, matched to this transaction (§17.2.3). */
  receiveRequest(req: SipRequest, source: MessageSource): void {
    if (req.method === 'ACK') {
      if (this.kind !== 'ist') return;
      if (this.state === 'Completed') {
        // §17.2.1: the ACK for our non-2xx final; Timer I absorbs further ACKs.
        this.state = 'Confirmed';
        this.linger(this.reliable ? 0 : this.core.settings.T4);
      } else if (this.state === 'Accepted') this.core.ackToTu(req, source);
      return;
    }
    // A retransmitted request: resend the latest response (none yet in Trying: absorbed).
    if (this.state === 'Proceeding' || this.state === 'Completed') this.retransmit();
  }

  onTimer(kind: number): void {
    switch (kind) {
      case TimerKind.Trying:
        if (this.state === 'Proceeding' && this.lastResponse === undefined)
          this.transmit(createResponse(this.request, 100));
        break;
      case TimerKind.Retransmit: // Timer G
        if (this.state !== 'Completed') return;
        this.retransmit();
        this.startRt(TimerKind.Retransmit, Math.min(2 * this.rt!.interval, this.core.settings.T2));
        break;
      case TimerKind.Timeout: // Timer H: the ACK never came
        if (this.state !== 'Completed') return;
        this.call('timeout');
        this.terminate();
        break;
      case TimerKind.Cleanup: // Timers I, J, L
        this.terminate();
        break;
    }
  }

  onSendError(err: TransportError): void {
    if (this.state === 'Terminated') return;
    this.call('transport', err);
    this.terminate();
  }

  private transmit(res: SipResponse): void {
    this.lastResponse = res;
    if (res.status >= 200 && !this.legacy) {
      // From here on only the bytes are needed (retransmissions); RFC 2543 matching still needs the request.
      this.lastResponse = undefined;
      this.releaseRequest();
    }
    try {
      this.target = this.core.transport.targetForResponse(res, this.source);
    } catch (e) {
      this.bytes = undefined;
      this.onSendError(e as TransportError);
      return;
    }
    // A final response's bytes are kept until the transaction ends (up to 64·T1).
    this.bytes = serialize(res, res.status >= 200);
    this.send(this.bytes);
  }

  private retransmit(): void {
    const b = this.bytes;
    if (b !== undefined) this.send(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  }

  private call(what: 'timeout' | 'transport', err?: TransportError): void {
    if (what === 'timeout') this.toUser(() => this.user.onTimeout?.(this));
    else this.toUser(() => this.user.onTransportError?.(this, err!));
  }

  protected notifyTerminated(): void {
    const user = this.user;
    if (user.onTerminated !== undefined) this.toUser(() => user.onTerminated!(this));
  }
}

function toTagOf(res: SipResponse): string | undefined {
  try {
    return res.toTag();
  } catch {
    return undefined;
  }
}
